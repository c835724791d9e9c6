/** Every case of the reliability suite, in report order (run.ts runs them; a unit test counts them). */
import { dataCases } from './data';
import { faultCases } from './faults';
import type { Case } from './lib';
import { modelCases } from './models';
import { recipeCases } from './recipes';
import { scaleCases } from './scale';

export const CASES: Case[] = [...modelCases, ...recipeCases, ...dataCases, ...faultCases, ...scaleCases];
