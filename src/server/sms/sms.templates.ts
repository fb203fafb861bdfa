import { eq } from "drizzle-orm";
import {
  DEFAULT_TEMPLATES,
  renderTemplate,
  type SmsTemplate,
  TEMPLATE_PLACEHOLDERS,
  TEMPLATE_PURPOSES,
  type TemplatePurpose,
  type TemplateValues,
  unknownPlaceholders,
} from "../../shared/sms.js";
import { recordAudit } from "../audit/audit.service.js";
import type { Clock } from "../clock.js";
import type { Database, Executor } from "../db/client.js";
import { smsTemplates } from "../db/schema/index.js";
import { fieldError } from "../http/errors.js";

/** The purpose's text: the admin's edit if there is one, else the default. */
export async function renderPurposeTemplate(
  tx: Executor,
  purpose: TemplatePurpose,
  values: TemplateValues,
  override?: string,
): Promise<string> {
  let template = override;
  if (template === undefined) {
    const [row] = await tx
      .select({ body: smsTemplates.body })
      .from(smsTemplates)
      .where(eq(smsTemplates.purpose, purpose))
      .limit(1);
    template = row?.body ?? DEFAULT_TEMPLATES[purpose];
  }
  return renderTemplate(template, values);
}

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
  db: Database,
  clock: Clock,
  input: { purpose: TemplatePurpose; body: string; actorId: string; ip: string },
): Promise<SmsTemplate> {
  const unknown = unknownPlaceholders(input.body);
  if (unknown.length > 0) {
    throw fieldError(
      "sms.template_placeholder_unknown",
      "body",
      `Template: unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(", ")}; use ${TEMPLATE_PLACEHOLDERS.map((name) => `{{${name}}}`).join(", ")}`,
    );
  }
  const now = clock.now();
  await db.transaction(async (tx) => {
    await tx
      .insert(smsTemplates)
      .values({ purpose: input.purpose, body: input.body, updatedAt: now, updatedById: input.actorId })
      .onConflictDoUpdate({
        target: smsTemplates.purpose,
        set: { body: input.body, updatedAt: now, updatedById: input.actorId },
      });
    await recordAudit(tx, {
      actorId: input.actorId,
      action: "sms_template.updated",
      entityType: "sms_template",
      data: { purpose: input.purpose, body: input.body },
      ip: input.ip,
      at: now,
    });
  });
  return findTemplate(db, input.purpose);
}

/** Back to the built-in text. */
export async function resetSmsTemplate(
  db: Database,
  clock: Clock,
  input: { purpose: TemplatePurpose; actorId: string; ip: string },
): Promise<SmsTemplate> {
  await db.transaction(async (tx) => {
    await tx.delete(smsTemplates).where(eq(smsTemplates.purpose, input.purpose));
    await recordAudit(tx, {
      actorId: input.actorId,
      action: "sms_template.reset",
      entityType: "sms_template",
      data: { purpose: input.purpose },
      ip: input.ip,
      at: clock.now(),
    });
  });
  return findTemplate(db, input.purpose);
}

async function findTemplate(db: Executor, purpose: TemplatePurpose): Promise<SmsTemplate> {
  const templates = await listSmsTemplates(db);
  return templates.find((t) => t.purpose === purpose) as SmsTemplate;
}
