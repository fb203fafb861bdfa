export * from "./customers.js";
export * from "./dashboard.js";
export * from "./enums.js";
export * from "./sms.js";
export * from "./tickets.js";
export * from "./users.js";
export * from "./webhooks.js";
