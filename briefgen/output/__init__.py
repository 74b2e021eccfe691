"""Writing the site to disk: the paths a build claims, the work folder, staging and the swap."""
