// The builder inputs now live in src/slack/gallery/ (the console's Block Kit gallery shows them);
// the golden tests keep importing them from here.
export * from '../../../src/slack/gallery/fixtures.js';
