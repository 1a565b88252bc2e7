export { type Clock, systemClock, fixedClock } from './clock.js';
export { type RandomSource, systemRandom, seededRandom } from './random.js';
