import { Avatar, Group, Menu, Text, UnstyledButton } from "@mantine/core";
import { IconKey, IconLogout, IconUser } from "@tabler/icons-react";
import { Link, useNavigate } from "react-router";
import { USER_ROLE_LABELS } from "../../shared/labels.js";
import { useSignOut } from "../auth/api.js";
import { useSession } from "./auth.js";

/** The signed-in user's menu in the header: profile and sign-out. */
export default function UserMenu() {
  const { user } = useSession();
  const navigate = useNavigate();
  const signOut = useSignOut();
  return (
    <Menu position="bottom-end" width={220}>
      <Menu.Target>
        <UnstyledButton aria-label="Account menu">
          <Group gap="xs">
            <Avatar radius="xl" size="sm" color="blue">
              {user.name.slice(0, 1).toUpperCase()}
            </Avatar>
            <Text size="sm" visibleFrom="sm">
              {user.name}
            </Text>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {user.email} · {USER_ROLE_LABELS[user.role]}
        </Menu.Label>
        <Menu.Item component={Link} to="/profile" leftSection={<IconUser size={16} />}>
          Profile and password
        </Menu.Item>
        <Menu.Item component={Link} to="/settings/api-tokens" leftSection={<IconKey size={16} />}>
          API tokens
        </Menu.Item>
        <Menu.Item
          onClick={() => signOut.mutate(undefined, { onSettled: () => navigate("/login") })}
          leftSection={<IconLogout size={16} />}
        >
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
