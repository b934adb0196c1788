// The part of a training run every task shares: resume when the output folder says so, announce the plan, train, and say how to go on after a stop.
import type { TrainerOutput } from '../callbacks/callback.js';
import type { Trainer, TrainResult } from '../trainer.js';
import type { OutputPlan } from './output-folder.js';

/** Trains `trainer` (from `plan.resumeFrom` when set); an aborted result says where its checkpoint is. */
export async function resumeAndTrain<D, M>(trainer: Trainer<D, M>, plan: OutputPlan, out: TrainerOutput): Promise<TrainResult> {
  const args = trainer.args;
  if (plan.resumeFrom) {
    trainer.resumeFrom(plan.resumeFrom);
    out.line(`resuming from ${plan.resumeFrom} (step ${trainer.state.globalStep} of ${trainer.plan.maxSteps})`);
  }
  out.line(
    `training: ${trainer.plan.maxSteps.toLocaleString('en-US')} steps (${trainer.plan.stepsPerEpoch.toLocaleString('en-US')} per epoch), ` +
      `batch ${args.batchSize}${args.gradAccumSteps > 1 ? ` x ${args.gradAccumSteps}` : ''}, lr ${args.learningRate}, ${args.scheduler} schedule, ` +
      `warm-up ${trainer.plan.schedule.warmupSteps} steps, output ${plan.outputDir}`,
  );
  const result = await trainer.train();
  if (result.aborted) {
    out.line(
      `stopped at step ${result.globalStep} of ${trainer.plan.maxSteps}: its checkpoint is in ${plan.outputDir}; resume with the same options and --resume`,
    );
  }
  return result;
}
