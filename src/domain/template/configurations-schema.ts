import { z } from 'zod';
import { templatedUrlSchema } from './http-request-schema.ts';

/**
 * `configurations` (reference §14). Open: the voice pipeline owns most keys (STT, TTS, VAD …)
 * and they pass through unchanged. The keys the platform itself reads are typed here, so a
 * wrong type is refused at save time rather than discovered mid-call. Defaults are applied by
 * whoever reads a key, so a stored template keeps only what its author wrote.
 */
export const userIdleConfigurationSchema = z.looseObject({
  enabled: z.boolean().optional(),
  /** seconds of silence before `idle_message` (reference default 5) */
  timeout: z.number().positive().optional(),
  /** idle cycles in a row before the call ends as BUSY (reference default 3) */
  max_retries: z.int().min(0).optional(),
  idle_message: z.string().optional(),
});

export type UserIdleConfiguration = z.output<typeof userIdleConfigurationSchema>;

export const llmConfigurationsSchema = z.looseObject({
  base_url: templatedUrlSchema.optional(),
  model: z.string().min(1).optional(),
  /** usually a `{placeholder}` naming a secret or credential */
  api_key: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
});

export type LlmConfigurations = z.output<typeof llmConfigurationsSchema>;

export const templateConfigurationsSchema = z.looseObject({
  initial_greeting: z.string().optional(),
  transfer_number: z.string().min(1).optional(),
  user_idle_configuration: userIdleConfigurationSchema.optional(),
  llm_configurations: llmConfigurationsSchema.optional(),
  ivr_greeting: z.string().optional(),
  ivr_goodbye: z.string().optional(),
  /** inbound multi-template menu order; lower is spoken earlier */
  ivr_priority: z.int().optional(),
  enable_inbound: z.boolean().optional(),
});

export type TemplateConfigurations = z.output<typeof templateConfigurationsSchema>;
