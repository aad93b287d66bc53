import { Field, ID, InputType } from 'type-graphql';
import { KeySettingsFields } from './shared-fields.input.js';

/** Shapes only; the service validates content (zod) and reports field errors. */
@InputType('CreateKeyInput')
export class CreateKeyInput extends KeySettingsFields {
  @Field(() => ID, { nullable: true })
  teamId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The user the key is for; yourself by default (nobody for the master key).' })
  ownerId?: string | null;

  @Field(() => String, { nullable: true, description: 'llm_api (default), management or read_only.' })
  keyType?: string | null;
}
