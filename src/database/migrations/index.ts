import { InitialSchema1764230400000 } from './1764230400000-initial-schema';

/** Every migration, in order. Listed by class so that the build, the CLI and the tests load the same set. */
export const migrations = [InitialSchema1764230400000];
