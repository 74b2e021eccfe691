"""Publishing to GitHub Pages, by either of two routes.

    branch.py    `briefgen publish`: build for production and commit the site onto the
                 gh-pages branch with git plumbing, then push it
    git.py       git run in the site's repository, and the plumbing that turns a folder
                 into a tree and a commit without touching the user's index or working tree
    workflow.py  the GitHub Actions workflow that `briefgen new site` writes, which builds
                 and deploys on GitHub's side instead
"""
