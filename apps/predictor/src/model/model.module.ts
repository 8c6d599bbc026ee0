import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { PredictorEnv } from '../config/predictor.config';
import { MODEL } from './model.port';
import type { ModelPort } from './model.port';
import { TextClassifierModel, bundledModelPath } from './text-classifier.model';

/**
 * Loads the model once, at boot. A missing or corrupt artifact throws here, so
 * the predictor never starts without a model (main.ts prints the reason).
 */
@Module({
  providers: [
    {
      provide: MODEL,
      inject: [ConfigService],
      useFactory: (config: ConfigService<PredictorEnv, true>): ModelPort => {
        const path = config.get('MODEL_PATH', { infer: true }) ?? bundledModelPath();
        const model = TextClassifierModel.load(path);
        new Logger('ModelModule').log(
          `loaded model ${model.name}@${model.version} from ${model.source}`,
        );
        return model;
      },
    },
  ],
  exports: [MODEL],
})
export class ModelModule {}
