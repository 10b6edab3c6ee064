import { findPgBin, postgresSkipReason, startPostgres, type PgCluster } from '@llmspell/core/testing';
import { StateManager } from '@llmspell/state';
import { PostgresStateStore } from '@llmspell/state-postgres';
import { createWorkflowFromConfig, executeWorkflow } from './index.js';
import { context } from './__fixtures__/helpers.js';

/*
 * Durable runs whose step and run records live in PostgreSQL: a run that stops part-way on
 * one machine is resumed on another (another connection pool, another workflow instance)
 * without running its completed steps again.
 */
const pgBin = findPgBin();
const suite = pgBin ? describe : describe.skip;

suite(`durable workflow runs on PostgreSQL${pgBin ? '' : ` (skipped: ${postgresSkipReason()})`}`, () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPostgres({ bin: pgBin });
  }, 60_000);
  afterAll(() => pg?.stop());

  test('a run stopped at step 3 on machine A resumes at step 3 on machine B', async () => {
    const ran: string[] = [];
    const build = (where: string, failAt?: string) => createWorkflowFromConfig('sequential', {
      name: 'nightly',
      steps: ['fetch', 'clean', 'summarize', 'publish'].map((name) => ({
        name,
        execute: async (ctx: any) => {
          ran.push(`${where}:${name}`);
          if (name === failAt) throw new Error('provider down');
          if (name === 'clean') ctx.set_shared('cleaned', true);
          return `${name} done`;
        },
      })),
    });
    const storeA = await PostgresStateStore.open({ url: pg.url });
    const a = await executeWorkflow(build('A', 'summarize'), { run_id: 'n-1', input: { day: 1 } }, context({ state: new StateManager({ store: storeA }) }));
    expect(a.success).toBe(false);
    await storeA.close();

    const storeB = await PostgresStateStore.open({ url: pg.url });
    const stateB = new StateManager({ store: storeB });
    expect(await stateB.get('workflow:nightly', 'run:n-1')).toMatchObject({ status: 'failed', steps_completed: 2, input: { day: 1 } });
    expect(await stateB.keys('workflow:nightly')).toEqual(['run:n-1', 'run:n-1:step:0', 'run:n-1:step:1']);
    const b = await executeWorkflow(build('B'), { run_id: 'n-1' }, context({ state: stateB }));
    expect(b.success).toBe(true);
    expect(ran).toEqual(['A:fetch', 'A:clean', 'A:summarize', 'B:summarize', 'B:publish']);
    expect(b.metadata).toMatchObject({ resumed: true, steps_executed: 4 });
    expect(await stateB.keys('workflow:nightly')).toEqual(['run:n-1']);
    expect(await stateB.get('workflow:nightly', 'run:n-1')).toMatchObject({ status: 'completed', steps_completed: 4 });
    await storeB.close();
  });
});
