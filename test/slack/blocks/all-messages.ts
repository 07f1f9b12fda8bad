// Every message and view the builders produce: src/slack/gallery/ (shared with the console's gallery).
export * from '../../../src/slack/gallery/all-messages.js';
