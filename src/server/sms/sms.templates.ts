import { eq } from "drizzle-orm";
import {
  DEFAULT_TEMPLATES,
  type IncidentTemplateValues,
  renderTemplate,
  type SmsTemplate,
  TEMPLATE_PURPOSES,
  type TemplatePurpose,
  type TemplateValues,
  templateProblem,
  unknownPlaceholders,
  type VisitTemplateValues,
} from "../../shared/sms.js";
import { recordAudit } from "../audit/audit.service.js";
import { type Actor, inTransaction, type ServiceContext } from "../context.js";
import type { Executor } from "../db/client.js";
import { cachedConfig, configChanged } from "../db/config-cache.js";
import { smsTemplates } from "../db/schema/index.js";
import { fieldError } from "../http/errors.js";

/** The purpose's text: the admin's edit if there is one, else the default. */
export async function renderPurposeTemplate(
  ctx: TemplateContext,
  purpose: TemplatePurpose,
  values: TemplateValues | IncidentTemplateValues | VisitTemplateValues,
  override?: string,
): Promise<string> {
  return renderTemplate(override ?? (await readTemplateText(ctx, purpose)), values);
}

type TemplateContext = Pick<ServiceContext, "db" | "cache">;

/**
 * The purpose's text before its placeholders are filled: the admin's edit if there is one, else
 * the default. From the app's cache: every ticket's creation reads one, an admin edits them rarely.
 */
export async function readTemplateText(ctx: TemplateContext, purpose: TemplatePurpose): Promise<string> {
  return cachedConfig(ctx, templateCacheKey(purpose), async () => {
    const [row] = await ctx.db
      .select({ body: smsTemplates.body })
      .from(smsTemplates)
      .where(eq(smsTemplates.purpose, purpose))
      .limit(1);
    return row?.body ?? DEFAULT_TEMPLATES[purpose];
  });
}

const templateCacheKey = (purpose: TemplatePurpose) => `sms_template:${purpose}`;

export async function listSmsTemplates(db: Executor): Promise<SmsTemplate[]> {
  const rows = await db.select().from(smsTemplates);
  return TEMPLATE_PURPOSES.map((purpose) => {
    const row = rows.find((r) => r.purpose === purpose);
    return {
      purpose,
      body: row?.body ?? DEFAULT_TEMPLATES[purpose],
      isDefault: !row,
      defaultBody: DEFAULT_TEMPLATES[purpose],
      updatedAt: row?.updatedAt.toISOString() ?? null,
    };
  });
}

export async function updateSmsTemplate(
  ctx: ServiceContext,
  actor: Actor,
  input: { purpose: TemplatePurpose; body: string },
): Promise<SmsTemplate> {
  const problem = templateProblem(input.purpose, input.body);
  if (problem) {
    const code =
      unknownPlaceholders(input.body, input.purpose).length > 0
        ? "sms.template_placeholder_unknown"
        : "sms.template_reply_placeholder";
    throw fieldError(code, "body", problem);
  }
  const now = ctx.clock.now();
  return inTransaction(ctx, async ({ db: tx }) => {
    await tx
      .insert(smsTemplates)
      .values({ purpose: input.purpose, body: input.body, updatedAt: now, updatedById: actor.id })
      .onConflictDoUpdate({
        target: smsTemplates.purpose,
        set: { body: input.body, updatedAt: now, updatedById: actor.id },
      });
    await configChanged({ db: tx, cache: ctx.cache }, templateCacheKey(input.purpose));
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "sms_template.updated",
      entityType: "sms_template",
      data: { purpose: input.purpose, body: input.body },
      ip: actor.ip,
      at: now,
    });
    return findTemplate(tx, input.purpose);
  });
}

/** Back to the built-in text. */
export async function resetSmsTemplate(
  ctx: ServiceContext,
  actor: Actor,
  input: { purpose: TemplatePurpose },
): Promise<SmsTemplate> {
  return inTransaction(ctx, async ({ db: tx }) => {
    await tx.delete(smsTemplates).where(eq(smsTemplates.purpose, input.purpose));
    await configChanged({ db: tx, cache: ctx.cache }, templateCacheKey(input.purpose));
    await recordAudit(tx, {
      actorId: actor.id,
      tokenId: actor.tokenId,
      action: "sms_template.reset",
      entityType: "sms_template",
      data: { purpose: input.purpose },
      ip: actor.ip,
      at: ctx.clock.now(),
    });
    return findTemplate(tx, input.purpose);
  });
}

async function findTemplate(db: Executor, purpose: TemplatePurpose): Promise<SmsTemplate> {
  const templates = await listSmsTemplates(db);
  return templates.find((t) => t.purpose === purpose) as SmsTemplate;
}
