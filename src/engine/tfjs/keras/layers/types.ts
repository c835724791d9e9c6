/** A Keras layer config as found in the file (after Keras 3 wrappers are stripped). */
export interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
  name?: string;
  inbound_nodes?: unknown;
}

export interface FixContext {
  /** The model file, for errors. */
  file: string;
}

/**
 * Rewrites one layer's config into the form TF.js deserializes; throws a UserError for layers it
 * cannot build. `null` means the layer does nothing at inference (random augmentation) and is
 * taken out of the graph, its consumers reading its input instead.
 */
export type LayerFixer = (layer: KerasLayer, ctx: FixContext) => KerasLayer | null;
