import { Field, Int, ObjectType } from 'type-graphql';
import type { ConfigFileStatus, ConfigProblem, KindCount } from '../../declarative/index.js';

@ObjectType('ConfigFileProblem', { description: 'A problem at one place in the config file.' })
export class ConfigFileProblemObject {
  @Field(() => String, { description: 'Where in the file, e.g. models[2].provider; empty for the file as a whole.' })
  path!: string;

  @Field(() => String)
  message!: string;

  static from(problem: ConfigProblem): ConfigFileProblemObject {
    return Object.assign(new ConfigFileProblemObject(), { path: problem.path, message: problem.message });
  }
}

@ObjectType('ConfigFileCount', { description: 'What the last apply of the config file did to one kind of object.' })
export class ConfigFileCountObject {
  @Field(() => String, { description: 'model, organization, team, key, guardrailPolicy, mcpServer or router (the router settings: declared 0 or 1).' })
  kind!: string;

  @Field(() => Int)
  declared!: number;

  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  deleted!: number;

  @Field(() => Int)
  unchanged!: number;

  @Field(() => Int, { description: 'Entries skipped, or removals held back, because of objects made through the API.' })
  conflicts!: number;

  static from(count: KindCount): ConfigFileCountObject {
    return Object.assign(new ConfigFileCountObject(), count);
  }
}

@ObjectType('ConfigFileStatus', { description: "The declarative config file (tollgate.yaml or LiteLLM's config.yaml) on this control plane." })
export class ConfigFileStatusObject {
  @Field(() => String)
  path!: string;

  @Field(() => String, { nullable: true, description: 'tollgate or litellm, as last read.' })
  format!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the file was last applied (null: never, on this control plane).' })
  loadedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'sha-256 of the file content applied at loadedAt.' })
  contentHash!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the file was last read.' })
  checkedAt!: Date | null;

  @Field(() => [ConfigFileCountObject], { description: 'Per kind of object, what the last apply did.' })
  applied!: ConfigFileCountObject[];

  @Field(() => [ConfigFileProblemObject], { description: 'Why the file as it is now is not applied; empty when it is. The last applied state stays meanwhile.' })
  errors!: ConfigFileProblemObject[];

  @Field(() => [ConfigFileProblemObject], { description: 'Entries skipped (or removals held back) by the last apply because of objects made through the API.' })
  conflicts!: ConfigFileProblemObject[];

  @Field(() => [ConfigFileProblemObject], { description: 'What the file says that Tollgate ignores.' })
  warnings!: ConfigFileProblemObject[];

  static from(status: ConfigFileStatus): ConfigFileStatusObject {
    return Object.assign(new ConfigFileStatusObject(), {
      path: status.path,
      format: status.format,
      loadedAt: status.loadedAt,
      contentHash: status.contentHash,
      checkedAt: status.checkedAt,
      applied: status.applied.map(ConfigFileCountObject.from),
      errors: status.errors.map(ConfigFileProblemObject.from),
      conflicts: status.conflicts.map(ConfigFileProblemObject.from),
      warnings: status.warnings.map(ConfigFileProblemObject.from),
    });
  }
}
