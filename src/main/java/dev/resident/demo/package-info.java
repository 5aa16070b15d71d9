/**
 * The demo application: a live orders board held in server memory (or, with {@code DEMO_DB}, in a
 * PostgreSQL table whose dbevents trigger tells the boards), user notifications and an online
 * panel, served to the browser client at {@code /}. Registered only in demo mode
 * ({@code resident.demo}).
 */
package dev.resident.demo;
