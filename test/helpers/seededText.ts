// Small generated text data for tests: sentences whose sentiment words decide the label.
import { createRandom } from '../../shared/seededRandom.js';

const POSITIVE = ['good', 'great', 'excellent', 'lovely', 'superb', 'happy'];
const NEGATIVE = ['bad', 'awful', 'terrible', 'poor', 'horrible', 'boring'];
const FILLER = ['the', 'movie', 'plot', 'actor', 'scene', 'film', 'was', 'today', 'really'];

export function seededRandomFor(seed: number) {
  const random = createRandom(seed);
  const pick = (list: string[]) => list[random.int(list.length)]!;
  return {
    sentiment(n: number): { text: string; label: string }[] {
      return Array.from({ length: n }, () => {
        const label = random.next() < 0.5 ? 'pos' : 'neg';
        const words = [...Array.from({ length: 2 }, () => pick(label === 'pos' ? POSITIVE : NEGATIVE)), ...Array.from({ length: 5 }, () => pick(FILLER))];
        return { text: random.shuffle(words).join(' '), label };
      });
    },
  };
}
