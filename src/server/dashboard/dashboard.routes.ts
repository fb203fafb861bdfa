import { ZDashboard, ZDashboardQuery } from "../../shared/dashboard.js";
import { ZProblem } from "../../shared/problem.js";
import { currentUser } from "../auth/guard.js";
import type { App } from "../deps.js";
import { DashboardCache } from "./dashboard.cache.js";
import { getDashboard, type SharedDashboardRows } from "./dashboard.service.js";

const problems = { 400: ZProblem, 401: ZProblem, 403: ZProblem, 422: ZProblem };

export async function dashboardRoutes(app: App) {
  const { database, clock, config } = app.deps;
  const cache = new DashboardCache<SharedDashboardRows>(config.DASHBOARD_CACHE_SECONDS * 1000);

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
          "median taken over tickets resolved in the window. The viewer's own tickets, customer counts and staff " +
          "are read on every request; the aggregates are reused while no ticket has changed since they were " +
          "computed (at most DASHBOARD_CACHE_SECONDS, default 30), and `generatedAt` says when they were.",
        querystring: ZDashboardQuery,
        response: { 200: ZDashboard, ...problems },
      },
    },
    async (request) => getDashboard({ db: database.db, clock, cache }, currentUser(request).id, request.query),
  );
}
