export { createWorkflowFromConfig, parseCondition, parseErrorStrategy, parseStep, parseSteps } from './parse-config.js';
export { BaseWorkflow, ConditionalWorkflow, LoopWorkflow, ParallelWorkflow, SequentialWorkflow, } from './workflow.js';
export { CheckpointStore, DEFAULT_RETENTION, runScope } from './checkpoints.js';
export { evaluateExpression } from './expression.js';
export { resolveReferences } from './references.js';
export { executeWorkflow, workflowAsTool } from './execute-workflow.js';
//# sourceMappingURL=index.js.map