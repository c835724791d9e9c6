/** A Keras layer config as found in the file (after Keras 3 wrappers are stripped). */
export interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown;
}

/** Rewrites one layer's config into the form TF.js deserializes; throws for layers it cannot build. */
export type LayerFixer = (layer: KerasLayer, ctx: { file: string }) => KerasLayer;
