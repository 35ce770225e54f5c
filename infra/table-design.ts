/**
 * TEMPORARY MIRROR of TABLE_DESIGN in shared/adapters/table-design.ts (owned by the DynamoDB
 * adapter): this file becomes `export { TABLE_DESIGN } from '../shared/adapters/table-design.ts'`
 * as soon as that file is on main. Nothing else in infra/ spells a key, index or TTL name.
 */
export const TABLE_DESIGN = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  billingMode: 'PAY_PER_REQUEST',
  timeToLiveAttribute: 'expiresAt',
  stream: { viewType: 'NEW_IMAGE', findingSortKeyPrefix: 'FINDING#' },
  globalSecondaryIndexes: {
    byLocation: {
      indexName: 'byLocation',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
      projection: 'ALL',
    },
    activeIncidents: {
      indexName: 'activeIncidents',
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
      projection: 'ALL',
    },
  },
} as const;
