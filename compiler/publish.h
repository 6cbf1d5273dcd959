#ifndef SLUGC_PUBLISH_H
#define SLUGC_PUBLISH_H

struct api;
struct error;
struct json;

/*
 * The publish stage and its relatives, over api.h:
 *
 *   publish   POST /apps/{app}/slugs (the manifest's API fields), PUT the
 *             file to blob.url, POST /apps/{app}/releases
 *   promote   the newest release of one app, its slug released on another
 *   releases  an app's releases, newest first, following Next-Range
 *
 * A release that answers "pending" (a release phase) is polled until it
 * succeeds or fails, for at most `wait` seconds. Nothing is released unless
 * the upload succeeded. A failed release create is not sent again: the
 * app's newest release is read to say whether it happened.
 */

struct publish_options {
	const char *slug;          /* the .tgz */
	const char *manifest;      /* its manifest; NULL: the slug's name with .json */
	const char *app;
	const char *description;   /* NULL: "Deploy <commit>" or the API's default */
	long wait;                 /* seconds to wait for a pending release */
	/*
	 * --process-types "TYPE=COMMAND" or a JSON object, in order; they
	 * replace the manifest's. With no manifest (a slug another tool made),
	 * these, else the slug's ./app/Procfile, are the process types.
	 */
	const struct strvec *process_types;
};

/* Publish a slug; *release is the final release object (caller frees). */
int publish_slug(struct api *a, const struct publish_options *o, struct json **release,
		 struct error *err);

/* Release `from`'s newest release's slug on `to`; *release as for publish_slug(). */
int publish_promote(struct api *a, const char *from, const char *to, const char *description,
		    long wait, struct json **release, struct error *err);

/* Up to `num` releases of `app`, newest first, as a JSON array (caller frees). */
int publish_releases(struct api *a, const char *app, unsigned num, struct json **list,
		     struct error *err);

#endif
