// eval_results.json: the scalar metrics as HF names them (`eval_loss`, `eval_<metric>`), the example count, and the task's details.
import type { AnyTask, TaskEvaluation } from '../tasks/task.js';

/** eval_results.json's content: `eval_loss`, `eval_<metric>` per scalar metric, `eval_samples`, then the task's details. */
export type EvalResultsJson = Readonly<Record<string, unknown>> & { readonly eval_loss: number; readonly eval_samples: number };

/** The scalar metrics of an evaluation with the `eval_` prefix, the loss first. */
export function evalScalars(task: AnyTask, evaluation: TaskEvaluation): Record<string, number> {
  const out: Record<string, number> = { eval_loss: evaluation.loss };
  for (const [name, value] of Object.entries(task.scalars(evaluation.metrics))) out[`eval_${name}`] = value;
  return out;
}

export function evalResultsJson(task: AnyTask, evaluation: TaskEvaluation, epoch?: number): EvalResultsJson {
  return {
    ...evalScalars(task, evaluation),
    eval_samples: evaluation.count,
    ...task.details(evaluation.metrics),
    ...(epoch === undefined ? {} : { epoch }),
  } as EvalResultsJson;
}

/** The test scores as eval_results.json and the command's result hold them: every key of evalResultsJson with `test_` for `eval_`, details included. */
export function testResultsJson(task: AnyTask, evaluation: TaskEvaluation): Readonly<Record<string, unknown>> {
  const json = evalResultsJson(task, evaluation);
  return Object.fromEntries(Object.entries(json).map(([key, value]) => [key.startsWith('eval_') ? `test_${key.slice(5)}` : `test_${key}`, value]));
}
