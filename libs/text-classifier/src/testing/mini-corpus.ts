import type { LabelledExample } from '../lib/corpus';
import type { ClassifierArtifact } from '../lib/artifact';
import { trainNaiveBayes } from '../lib/train';

/** A tiny corpus for fast unit tests; the real one lives in apps/predictor/corpus. */
export const MINI_CLASSES = ['cat', 'dog', 'bird', 'fish', 'rabbit'] as const;

const lines: Record<(typeof MINI_CLASSES)[number], string[]> = {
  cat: [
    'kneads the blanket and purrs',
    'the litter box needs scooping',
    'scratching post by the sofa',
    'meows at the fridge every morning',
    'coughed up a hairball',
    'purring on my lap',
    'whiskers twitching at the window',
    'chased the laser dot and pounced',
  ],
  dog: [
    'wags its tail when I come home',
    'barks at the postman',
    'pulls on the leash on every walk',
    'fetch the ball in the park',
    'chewed my shoes while teething',
    'the puppy sleeps in his crate',
    'sniffing every lamppost on the walk',
    'a labrador who loves belly rubs',
  ],
  bird: [
    'hovering at the feeder',
    'perched on my finger',
    'sings in the cage every morning',
    'preening her feathers',
    'the budgie chirps and whistles',
    'built a nest and laid eggs',
    'flapping its wings on the perch',
    'millet spray and seed',
  ],
  fish: [
    'the tank filter needs a new cartridge',
    'swimming around the aquarium',
    'flakes at feeding time',
    'fins and gills look healthy',
    'water change in the tank',
    'the goldfish bowl is cloudy',
    'guppies and tetras swimming together',
    'bubbles from the air pump',
  ],
  rabbit: [
    'chewing through the hay rack again',
    'hops around the garden',
    'carrots and fresh hay',
    'the hutch needs cleaning',
    'thumps her back foot',
    'long floppy ears',
    'dug a burrow under the shed',
    'did a binky and flopped over',
  ],
};

/** Labelled training examples, class by class. */
export const MINI_TRAIN: LabelledExample[] = MINI_CLASSES.flatMap((label) =>
  lines[label].map((text) => ({ text, label })),
);

/** Texts about none of the classes. */
export const MINI_BACKGROUND: string[] = [
  'the invoice total is wrong',
  'meeting moved to three',
  'please reset my password',
  'the train is late again',
  'the report is due on friday',
  'sample input',
  'the weather is nice today',
  'the printer is out of paper',
  'booking a table for dinner',
  'the build failed on main',
];

/** Trains the mini model with fixed options. */
export function trainMini(overrides: { trainedAt?: string } = {}): ClassifierArtifact {
  return trainNaiveBayes(MINI_TRAIN, {
    name: 'mini-nb',
    version: '0.1.0',
    trainedAt: overrides.trainedAt ?? '2025-01-01T00:00:00Z',
    corpusSha256: 'a'.repeat(64),
    classes: MINI_CLASSES,
    background: MINI_BACKGROUND,
    heldout: [
      { text: 'purrs when stroked', label: 'cat' },
      { text: 'barking at the door', label: 'dog' },
      { text: 'feathers and a beak', label: 'bird' },
      { text: 'the aquarium filter', label: 'fish' },
      { text: 'eating hay and carrots', label: 'rabbit' },
    ],
  });
}
