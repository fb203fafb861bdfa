import { z } from "zod";

export const ZCustomerId = z.object({ id: z.uuid("id must be a customer id (UUID)") });
