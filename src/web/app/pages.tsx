import { Alert, Button, Center, Loader, Stack, Text } from "@mantine/core";
import { Link, useRouteError } from "react-router";
import { ApiError, errorMessage } from "./api.js";
import { PageHeading, usePageTitle } from "./page-title.js";

export function PageLoader() {
  return (
    <Center h="60vh" aria-busy="true" aria-label="Loading">
      <Loader />
    </Center>
  );
}

export function ErrorPage({ error }: { error?: unknown }) {
  const routeError = useRouteError();
  usePageTitle("Error");
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

/**
 * Nothing at this address: an unknown path, or a record (customer, ticket) whose id is unknown or
 * not an id at all. One page for all, with the way back to where such records are listed.
 */
export function NotFoundPage({
  title = "Page not found",
  message = "There is nothing at this address.",
  backTo = "/",
  backLabel = "Go to the dashboard",
}: {
  title?: string;
  message?: string;
  backTo?: string;
  backLabel?: string;
}) {
  usePageTitle(title);
  return (
    <Stack align="center" p="xl">
      <PageHeading ta="center">{title}</PageHeading>
      <Text c="dimmed" ta="center">
        {message}
      </Text>
      <Button component={Link} to={backTo}>
        {backLabel}
      </Button>
    </Stack>
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a path's id can name a record at all ("/customers/not-a-uuid" cannot). */
export const isRecordId = (id: string | undefined): id is string => Boolean(id && UUID.test(id));

/** Whether a record's request failed because there is no such record (unknown id, or no id at all). */
export const isNotFound = (error: unknown) =>
  error instanceof ApiError &&
  (error.status === 404 || (error.status === 422 && error.problem.errors?.[0]?.field === "id"));
