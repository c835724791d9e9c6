/**
 * zod/mini, configured once: its pieces tree-shake (the extension host carries tens of KB of
 * validator instead of zod's 750 KB), and its messages need the English locale loaded
 * explicitly. Import it as a namespace (`import * as z from '../zod'`) and only use its members,
 * so the bundler keeps just those.
 */
import { config } from 'zod/mini';
import { en } from 'zod/locales';

config(en());

export * from 'zod/mini';
