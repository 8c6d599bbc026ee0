import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { TextClassifier } from '@ml-system/text-classifier';
import { encodeFrame, frameReader } from './frames';

/**
 * Baseline back end: node:net, length-prefixed JSON, the same trained model as
 * the real predictor, nothing else (no validation, no deadline, no framework).
 */
const port = Number(process.env['PORT']);
const modelPath = process.env['MODEL_PATH'] ?? 'apps/predictor/assets/model/animal-text-nb.json';
const classifier = TextClassifier.fromArtifact(JSON.parse(readFileSync(modelPath, 'utf8')));

interface Request {
  id: number;
  input: string;
}

createServer((socket) => {
  socket.setNoDelay(true);
  socket.on(
    'data',
    frameReader((value) => {
      const { id, input } = value as Request;
      const [scored] = classifier.predict([input]);
      const confidence = Math.round((scored?.confidence ?? 0) * 10_000) / 10_000;
      const label = scored?.label ?? 'unknown';
      socket.write(
        encodeFrame({
          id,
          prediction: { class: label, confidence, input_length: input.length },
          message: `Predicted class: ${label} with ${(confidence * 100).toFixed(1)}% confidence`,
        }),
      );
    }),
  );
}).listen(port, '127.0.0.1', () => process.stdout.write(`raw predictor on ${port}\n`));
