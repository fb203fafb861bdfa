import { ZOutageSuggestionList } from "../../shared/incident-suggestions.js";
import { ZProblem } from "../../shared/problem.js";
import type { App } from "../deps.js";
import { findOutageSuggestions } from "./incidents.suggestions.js";

/** GET /api/incidents/suggestions: possible outages nobody declared yet (any staff role). */
export async function incidentSuggestionsRoutes(app: App) {
  const { database, clock, config } = app.deps;
  app.get(
    "/api/incidents/suggestions",
    {
      schema: {
        tags: ["incidents"],
        operationId: "listOutageSuggestions",
        summary:
          "Possible outages: sites where several customers reported no service or an intermittent line within minutes, and no active incident covers the site",
        response: { 200: ZOutageSuggestionList, 401: ZProblem, 403: ZProblem },
      },
    },
    async () =>
      findOutageSuggestions(database.db, {
        now: clock.now(),
        tickets: config.OUTAGE_SUGGESTION_TICKETS,
        minutes: config.OUTAGE_SUGGESTION_MINUTES,
      }),
  );
}
