import { Anchor, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { Fragment } from "react";
import { usePhoneHolders } from "./api.js";

/**
 * Under the mobile phone field: other current customers with the number being typed, each a link
 * (opened beside the form, which stays). Households share numbers, so this only informs: saving
 * goes through, and the saved customer's warnings say the same.
 */
export function PhoneHolders({ phone, selfId }: { phone: string; selfId?: string }) {
  const [debounced] = useDebouncedValue(phone, 400);
  const holders = usePhoneHolders(debounced);
  const others = (holders.data ?? []).filter((c) => c.id !== selfId);
  if (others.length === 0 || debounced !== phone) return null;
  return (
    <Text component="span" display="block" size="xs" c="orange.8" role="status" mt={2}>
      Also the number of{" "}
      {others.slice(0, 5).map((c, index) => (
        <Fragment key={c.id}>
          {index > 0 && ", "}
          <Anchor href={`/customers/${c.id}`} target="_blank" rel="noopener" size="xs">
            {c.accountNumber} {c.name}
          </Anchor>
        </Fragment>
      ))}
      {others.length > 5 && " and others"}. Households may share a number: you can still save.
    </Text>
  );
}
