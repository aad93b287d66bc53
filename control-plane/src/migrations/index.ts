import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125082825 } from './Migration20261125082825.js';
import { Migration20261125085636 } from './Migration20261125085636.js';
import { Migration20261125104838 } from './Migration20261125104838.js';
import { Migration20261125105359 } from './Migration20261125105359.js';
import { Migration20261125105410 } from './Migration20261125105410.js';
import { Migration20261125110054 } from './Migration20261125110054.js';
import { Migration20261125110534 } from './Migration20261125110534.js';
import { Migration20261125111333 } from './Migration20261125111333.js';
import { Migration20261125113606 } from './Migration20261125113606.js';
import { Migration20261125132222 } from './Migration20261125132222.js';
import { Migration20261125132325 } from './Migration20261125132325.js';
import { Migration20261125132719 } from './Migration20261125132719.js';
import { Migration20261125153509 } from './Migration20261125153509.js';
import { Migration20261125160327 } from './Migration20261125160327.js';
import { Migration20261125203500 } from './Migration20261125203500.js';
import { Migration20261126070000 } from './Migration20261126070000.js';
import { Migration20261126080000 } from './Migration20261126080000.js';
import { Migration20261126090000 } from './Migration20261126090000.js';
import { Migration20261126200000 } from './Migration20261126200000.js';
import { Migration20261126233907 } from './Migration20261126233907.js';
import { Migration20261127001301 } from './Migration20261127001301.js';
import { Migration20261127021500 } from './Migration20261127021500.js';
import { Migration20261127050000 } from './Migration20261127050000.js';
import { Migration20261127060000 } from './Migration20261127060000.js';
import { Migration20261127090000 } from './Migration20261127090000.js';
import { Migration20261127220000 } from './Migration20261127220000.js';

/**
 * Every migration, in order. Listed explicitly instead of globbed so they are found the same way from the
 * compiled JS in dist/ and from the TS sources under vitest. `cli/create-migration.ts` writes new files; add
 * each new class here. The name is what MikroORM records in `mikro_orm_migrations`: never rename one.
 */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261125082825', class: Migration20261125082825 },
  { name: 'Migration20261125085636', class: Migration20261125085636 },
  { name: 'Migration20261125104838', class: Migration20261125104838 },
  { name: 'Migration20261125105359', class: Migration20261125105359 },
  { name: 'Migration20261125105410', class: Migration20261125105410 },
  { name: 'Migration20261125110054', class: Migration20261125110054 },
  { name: 'Migration20261125110534', class: Migration20261125110534 },
  { name: 'Migration20261125111333', class: Migration20261125111333 },
  { name: 'Migration20261125113606', class: Migration20261125113606 },
  { name: 'Migration20261125132222', class: Migration20261125132222 },
  { name: 'Migration20261125132325', class: Migration20261125132325 },
  { name: 'Migration20261125132719', class: Migration20261125132719 },
  { name: 'Migration20261125153509', class: Migration20261125153509 },
  { name: 'Migration20261125160327', class: Migration20261125160327 },
  { name: 'Migration20261125203500', class: Migration20261125203500 },
  { name: 'Migration20261126070000', class: Migration20261126070000 },
  { name: 'Migration20261126080000', class: Migration20261126080000 },
  { name: 'Migration20261126090000', class: Migration20261126090000 },
  { name: 'Migration20261126200000', class: Migration20261126200000 },
  { name: 'Migration20261126233907', class: Migration20261126233907 },
  { name: 'Migration20261127001301', class: Migration20261127001301 },
  { name: 'Migration20261127021500', class: Migration20261127021500 },
  { name: 'Migration20261127050000', class: Migration20261127050000 },
  { name: 'Migration20261127060000', class: Migration20261127060000 },
  { name: 'Migration20261127090000', class: Migration20261127090000 },
  { name: 'Migration20261127220000', class: Migration20261127220000 },
];
