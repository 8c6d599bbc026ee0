import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { PredictorEnv } from '../config/predictor.config';
import { ObservabilityModule } from '../observability/observability.module';
import { PredictorMetrics } from '../observability/predictor.metrics';
import { ModelRegistry } from './model-registry';
import { TextClassifierModel, bundledModelPath } from './text-classifier.model';

/** DI token of the model registry. */
export const MODELS = Symbol('MODELS');

/**
 * Loads the models once, at boot: `MODEL_REPOSITORY` when set, else the
 * bundled repository (`animal-text-nb` version 1, or the artifact at
 * `MODEL_PATH`). A default model that cannot load throws here, so the
 * predictor never starts without one (main.ts prints the reason).
 */
@Module({
  imports: [ObservabilityModule],
  providers: [
    {
      provide: MODELS,
      inject: [ConfigService, PredictorMetrics],
      useFactory: async (
        config: ConfigService<PredictorEnv, true>,
        metrics: PredictorMetrics,
      ): Promise<ModelRegistry> => {
        const logger = new Logger('ModelModule');
        const root = config.get('MODEL_REPOSITORY', { infer: true });
        const path = config.get('MODEL_PATH', { infer: true });
        if (root) {
          if (path) throw new Error('set MODEL_REPOSITORY or MODEL_PATH, not both');
          const registry = await ModelRegistry.open({
            root,
            defaultModel: config.get('DEFAULT_MODEL', { infer: true }),
            log: (line) => logger.log(line),
            observeRuns: (name, version) => (run, queue, rows) =>
              metrics.modelRun(name, version, run, queue, rows),
          });
          metrics.trackModelStates(() => registry.index());
          registry.startPolling(config.get('MODEL_REPOSITORY_POLL_MS', { infer: true }));
          return registry;
        }
        const model = TextClassifierModel.load(path ?? bundledModelPath());
        const defaultModel = config.get('DEFAULT_MODEL', { infer: true });
        if (defaultModel !== undefined && defaultModel !== model.name) {
          throw new Error(`DEFAULT_MODEL ${defaultModel} is not ${model.name}, the only model`);
        }
        logger.log(`loaded model ${model.name}@${model.version} from ${model.source}`);
        const registry = ModelRegistry.of(model);
        metrics.trackModelStates(() => registry.index());
        return registry;
      },
    },
  ],
  exports: [MODELS],
})
export class ModelModule {}
