import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '../../shared/adapters/table-design.ts';
import { FINDINGS_TABLE_NAME } from '../naming.ts';
import type { TableAccessTarget } from './grants.ts';

const INDEXES = Object.values(TABLE_DESIGN.globalSecondaryIndexes);

const ATTRIBUTE_TYPES = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
} as const;

const PROJECTIONS = { ALL: ProjectionType.ALL, KEYS_ONLY: ProjectionType.KEYS_ONLY } as const;

export interface FindingsTableProps {
  /**
   * What happens to the findings history when the home stack is deleted.
   * @default RemovalPolicy.RETAIN (with deletion protection on): history outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The one table where findings from every region meet (home region): findings with a TTL, incidents
 * and the latest status per monitor and region, keyed as TABLE_DESIGN says. On-demand capacity,
 * point-in-time recovery, and a NEW_IMAGE stream that feeds the escalator.
 */
export class FindingsTable extends Construct implements TableAccessTarget {
  readonly table: Table;

  /**
   * The table as seen from a stack in any region: ARNs built from the deterministic name, so a probe
   * stack in another region needs no cross-region reference (infra/naming.ts).
   */
  static reference(scope: Construct, homeRegion: string): TableAccessTarget {
    const tableArn = Stack.of(scope).formatArn({
      service: 'dynamodb',
      region: homeRegion,
      resource: 'table',
      resourceName: FINDINGS_TABLE_NAME,
    });
    return { tableArn, indexArns: indexArnsOf(tableArn) };
  }

  constructor(scope: Construct, id: string, props: FindingsTableProps = {}) {
    super(scope, id);
    const retain = (props.removalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN;
    this.table = new Table(this, 'Table', {
      tableName: FINDINGS_TABLE_NAME,
      partitionKey: {
        name: TABLE_DESIGN.partitionKey.name,
        type: ATTRIBUTE_TYPES[TABLE_DESIGN.partitionKey.type],
      },
      sortKey: { name: TABLE_DESIGN.sortKey.name, type: ATTRIBUTE_TYPES[TABLE_DESIGN.sortKey.type] },
      billingMode: BillingMode[TABLE_DESIGN.billingMode],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_DESIGN.timeToLiveAttribute,
      stream: StreamViewType[TABLE_DESIGN.stream.viewType],
      deletionProtection: retain,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    for (const index of INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey.name, type: ATTRIBUTE_TYPES[index.partitionKey.type] },
        sortKey: { name: index.sortKey.name, type: ATTRIBUTE_TYPES[index.sortKey.type] },
        projectionType: PROJECTIONS[index.projection],
      });
    }
  }

  get tableArn(): string {
    return this.table.tableArn;
  }

  get indexArns(): readonly string[] {
    return indexArnsOf(this.table.tableArn);
  }
}

/** Each index by name: the index names are known, so no `index/*` wildcard. */
function indexArnsOf(tableArn: string): string[] {
  return INDEXES.map((index) => `${tableArn}/index/${index.indexName}`);
}
