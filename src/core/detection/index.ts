/** Object localisation and detection without TF.js or node: boxes, NMS, metrics, head targets. */
export * from './boxes';
export * from './nms';
export * from './match';
export * from './metrics';
export * from './grid';
export * from './anchors';
export * from './localiser';
export * from './model';
export * from './report';
