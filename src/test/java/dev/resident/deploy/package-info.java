/** Tests of the files in deploy/: a two-process site behind the real HAProxy and nginx, and the configs checked by their programs. */
package dev.resident.deploy;
