import { Alert, Button, Center, Loader, Stack, Text, Title } from "@mantine/core";
import { Link, useRouteError } from "react-router";
import { errorMessage } from "./api.js";

export function PageLoader() {
  return (
    <Center h="60vh" aria-busy="true" aria-label="Loading">
      <Loader />
    </Center>
  );
}

export function ErrorPage({ error }: { error?: unknown }) {
  const routeError = useRouteError();
  return (
    <Center p="xl">
      <Alert color="red" title="This page could not be shown" maw={520}>
        <Stack gap="sm">
          <Text size="sm">{errorMessage(error ?? routeError)}</Text>
          <Button variant="light" onClick={() => window.location.reload()}>
            Reload
          </Button>
        </Stack>
      </Alert>
    </Center>
  );
}

export function NotFoundPage() {
  return (
    <Stack align="center" p="xl">
      <Title order={2}>Page not found</Title>
      <Text c="dimmed">There is nothing at this address.</Text>
      <Button component={Link} to="/">
        Go to the dashboard
      </Button>
    </Stack>
  );
}
