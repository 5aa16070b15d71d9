/**
 * The site-wide admin view over NATS: every process answers admin requests for its own pages on
 * the site's subjects ({@code <prefix>.admin.*}), and the process that serves {@code /_/admin}
 * gathers their states and routes actions to the process that owns a page. See
 * {@link dev.resident.site.SiteViews#create}.
 */
package dev.resident.site;
