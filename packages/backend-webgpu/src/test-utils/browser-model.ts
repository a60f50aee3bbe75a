/** The model of the browser test (shared by the page and the Node side). */
export const BROWSER_SIZES = [8, 16, 3] as const;
export const BROWSER_BATCH = 32;
