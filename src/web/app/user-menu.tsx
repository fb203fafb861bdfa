import {
  Avatar,
  Group,
  type MantineColorScheme,
  Menu,
  Text,
  UnstyledButton,
  useMantineColorScheme,
  VisuallyHidden,
} from "@mantine/core";
import { IconCheck, IconKey, IconLogout, IconUser } from "@tabler/icons-react";
import { Link, useNavigate } from "react-router";
import { USER_ROLE_LABELS } from "../../shared/labels.js";
import { useSignOut } from "../auth/sign-out.js";
import { useSession } from "./auth.js";

const COLOR_SCHEMES: { value: MantineColorScheme; label: string }[] = [
  { value: "auto", label: "Match the system" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

/** The signed-in user's menu in the header: profile, theme and sign-out. */
export default function UserMenu() {
  const { user } = useSession();
  const navigate = useNavigate();
  const signOut = useSignOut();
  // Remembered in this browser (Mantine keeps it in localStorage); "auto" follows the system.
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  return (
    <Menu position="bottom-end" width={220}>
      <Menu.Target>
        {/* Named by what it shows (the name, from tablet width up) plus "account menu", never by a
            label that hides the visible name (WCAG 2.5.3); the initial is decoration. */}
        <UnstyledButton>
          <Group gap="xs">
            <Avatar radius="xl" size="sm" color="blue" aria-hidden="true">
              {user.name.slice(0, 1).toUpperCase()}
            </Avatar>
            <Text size="sm" visibleFrom="sm">
              {user.name}
            </Text>
            <VisuallyHidden>account menu</VisuallyHidden>
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
        <Menu.Divider />
        <Menu.Label>Theme</Menu.Label>
        {COLOR_SCHEMES.map((scheme) => (
          <Menu.Item
            key={scheme.value}
            leftSection={colorScheme === scheme.value ? <IconCheck size={16} /> : <span style={{ width: 16 }} />}
            onClick={() => setColorScheme(scheme.value)}
          >
            {scheme.label}
            {/* Mantine's items are role="menuitem" (no aria-checked): the tick is said in words. */}
            {colorScheme === scheme.value && <VisuallyHidden> (chosen)</VisuallyHidden>}
          </Menu.Item>
        ))}
        <Menu.Divider />
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
