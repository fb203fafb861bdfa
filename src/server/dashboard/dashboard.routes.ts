import { ZDashboard, ZDashboardQuery } from "../../shared/dashboard.js";
import { ZProblem } from "../../shared/problem.js";
import { currentUser } from "../auth/guard.js";
import type { App } from "../deps.js";
import { getDashboard } from "./dashboard.service.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 422: ZProblem };

export async function dashboardRoutes(app: App) {
  const { database, clock } = app.deps;

  app.get(
    "/api/dashboard",
    {
      schema: {
        tags: ["dashboard"],
        summary: "Ticket statistics, workload, trends and recent activity, in one request (every signed-in user)",
        description:
          'All numbers are as of the request. "Open" means status open, in_progress or waiting_on_customer; ' +
          "overdue means open with a due time before now. The window is the last 30 days including today, " +
          "counted in local days of the `tz` time zone (UTC by default). First response time is the first " +
          "response time minus the creation time, its median taken over tickets created in the window; " +
          "resolution time is the resolved (or, if never resolved, closed) time minus the creation time, its " +
          "median taken over tickets resolved in the window. Not cached: every request reads the database.",
        querystring: ZDashboardQuery,
        response: { 200: ZDashboard, ...problems },
      },
    },
    async (request) => getDashboard({ db: database.db, clock }, currentUser(request).id, request.query),
  );
}
