import { it } from 'vitest';
import { fashionMnistQat } from './fashion-mnist-qat';

it('fashion-mnist W4A4 QAT measurement', fashionMnistQat, 3_600_000);
