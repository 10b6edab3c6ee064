import { apiTester } from './api-tester.js';
import { sitemapCrawler } from './sitemap-crawler.js';
import { urlAnalyzer } from './url-analyzer.js';
import { webScraper } from './web-scraper.js';
import { webhookCaller } from './webhook-caller.js';
import { webpageMonitor } from './webpage-monitor.js';

export { apiTester, sitemapCrawler, urlAnalyzer, webScraper, webhookCaller, webpageMonitor };
export { lineDiff, MAX_CONTENT_CHARS, MAX_DIFF_EDITS } from './webpage-monitor.js';
export { MAX_HTML_DEPTH, MAX_SELECTOR_WORK, MAX_TEXT_VISITS } from './html.js';
export { MAX_SELECTED_CHARS } from './web-scraper.js';
export type { LineChange } from './webpage-monitor.js';
export { parseSitemap } from './sitemap-crawler.js';
export type { SitemapUrl } from './sitemap-crawler.js';

/** Every tool of this package, for registration (snake_case names, hyphenated aliases). */
export const webTools = [webScraper, urlAnalyzer, apiTester, webhookCaller, webpageMonitor, sitemapCrawler];
