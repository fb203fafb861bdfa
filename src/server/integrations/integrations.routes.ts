import {
  type AlertIntakeResult,
  ZAlertIntakeResult,
  ZAlertmanagerPayload,
  ZGenericAlert,
} from "../../shared/integrations.js";
import { ZProblem } from "../../shared/problem.js";
import { actorOf } from "../auth/guard.js";
import { serviceContext } from "../context.js";
import type { App } from "../deps.js";
import { fromAlertmanager, fromGenericAlert, receiveAlerts } from "./integrations.service.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 422: ZProblem, 429: ZProblem };
const tags = ["integrations"];

/**
 * Alerts from network monitoring (docs/integrations-alerts.md). Any staff role may open incidents,
 * so the routes take the default access: an API token with the `write` scope (what a monitor
 * uses), or a signed-in session with its CSRF token (handy to try a payload by hand).
 */
export async function integrationsRoutes(app: App) {
  const ctx = serviceContext(app.deps);

  app.post(
    "/api/integrations/alertmanager",
    {
      schema: {
        tags,
        operationId: "receiveAlertmanagerAlerts",
        summary:
          "Prometheus Alertmanager webhook (payload version 4): a firing alert opens or joins its site's incident; a resolved one moves it to monitoring",
        body: ZAlertmanagerPayload,
        response: { 200: ZAlertIntakeResult, ...problems },
      },
    },
    async (request) => {
      const alerts = fromAlertmanager(request.body, app.deps.config.ALERTMANAGER_SITE_LABEL);
      const result = await receiveAlerts(ctx, actorOf(request), alerts);
      logIgnored(request.log, result);
      return result;
    },
  );

  app.post(
    "/api/integrations/alerts",
    {
      schema: {
        tags,
        operationId: "receiveGenericAlert",
        summary: "A generic alert from any monitor: {site, status, fingerprint, summary, severity?}",
        body: ZGenericAlert,
        response: { 200: ZAlertIntakeResult, ...problems },
      },
    },
    async (request) => {
      const result = await receiveAlerts(ctx, actorOf(request), [fromGenericAlert(request.body)]);
      logIgnored(request.log, result);
      return result;
    },
  );
}

/** An ignored alert is answered 200 (a monitor retries failures), so the log is where it shows. */
function logIgnored(log: App["log"], result: AlertIntakeResult) {
  for (const alert of result.ignored) {
    log.warn({ fingerprint: alert.fingerprint, reason: alert.reason }, `Alert ignored: ${alert.detail}`);
  }
}
