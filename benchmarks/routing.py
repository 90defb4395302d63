"""Route lookups: convexhttp's router against Falcon, Werkzeug, Django and Starlette.

The tables are real REST APIs' route lists, written out below from their public
documentation: GitHub's REST API (routes sharing heads such as
``/repos/:owner/:repo/...``, one to three params, several methods per path), the same
API under ``/api/v3`` (as GitHub Enterprise Server serves it), Stripe's API and
Slack's Web API (static paths). A table of N routes (a route is one path and one
method) takes whole paths from them in a fixed shuffled order. The requests hit
every route with every method it has, plus about 10% misses: 404s (a typo, a segment
too many or too few, the probes every server gets) and 405s (a method the path does
not have).

Before timing, every router's answer to every request (route, params, 404 or 405
with its methods) is checked against what SPEC 3 says, so no router is timed doing
less than the others. Django's resolver knows no methods: it is checked and timed on
the path alone. Routers are timed in rounds, interleaved (the order rotates each
round), and the result is the median of the per-round ratios, with their spread.

``--instructions`` counts instead of timing: each router answers the requests 20
more times under callgrind than in a run that builds it and answers them once,
which gives instructions per lookup, the same run after run on a shared machine
(where the timed ratios spread widely at N=10); not time, so both are printed.

Run: ``make bench-routing`` (``make bench-instructions`` counts) or
``python benchmarks/routing.py [--quick | --instructions] [--sizes ...]``.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convexhttp import http_router
from convexhttp.paths import compile_path, normalize_path

# One path per line: the methods, then the path in path-to-regexp syntax. Where a
# literal and a param sit at the same place (``releases/latest`` and
# ``releases/:release_id``), the literal comes first, as a convexhttp user writes it
# (first registered wins) and as the other routers order it anyway.
GITHUB = """
GET                 /
GET PATCH           /user
GET POST            /user/repos
GET                 /user/orgs
GET                 /user/followers
GET                 /user/following
GET PUT DELETE      /user/following/:username
GET                 /user/starred
GET PUT DELETE      /user/starred/:owner/:repo
GET                 /user/subscriptions
GET POST            /user/keys
GET DELETE          /user/keys/:key_id
GET POST DELETE     /user/emails
GET                 /user/issues
GET                 /user/teams
GET                 /user/installations
GET                 /users
GET                 /users/:username
GET                 /users/:username/repos
GET                 /users/:username/orgs
GET                 /users/:username/followers
GET                 /users/:username/following
GET                 /users/:username/following/:target_user
GET                 /users/:username/gists
GET                 /users/:username/starred
GET                 /users/:username/subscriptions
GET                 /users/:username/events
GET                 /users/:username/events/public
GET                 /users/:username/events/orgs/:org
GET                 /users/:username/received_events
GET                 /users/:username/keys
GET                 /users/:username/hovercard
GET                 /organizations
GET PATCH DELETE    /orgs/:org
GET POST            /orgs/:org/repos
GET                 /orgs/:org/members
GET DELETE          /orgs/:org/members/:username
GET PUT DELETE      /orgs/:org/memberships/:username
GET                 /orgs/:org/public_members
GET PUT DELETE      /orgs/:org/public_members/:username
GET POST            /orgs/:org/teams
GET PATCH DELETE    /orgs/:org/teams/:team_slug
GET                 /orgs/:org/teams/:team_slug/members
GET PUT DELETE      /orgs/:org/teams/:team_slug/memberships/:username
GET                 /orgs/:org/teams/:team_slug/repos
GET PUT DELETE      /orgs/:org/teams/:team_slug/repos/:owner/:repo
GET POST            /orgs/:org/hooks
GET PATCH DELETE    /orgs/:org/hooks/:hook_id
POST                /orgs/:org/hooks/:hook_id/pings
GET                 /orgs/:org/events
GET                 /orgs/:org/installations
GET POST            /orgs/:org/invitations
DELETE              /orgs/:org/invitations/:invitation_id
GET                 /orgs/:org/actions/secrets
GET PUT DELETE      /orgs/:org/actions/secrets/:secret_name
GET                 /orgs/:org/outside_collaborators
PUT DELETE          /orgs/:org/outside_collaborators/:username
GET PATCH DELETE    /repos/:owner/:repo
GET                 /repos/:owner/:repo/activity
GET                 /repos/:owner/:repo/assignees
GET                 /repos/:owner/:repo/assignees/:assignee
GET                 /repos/:owner/:repo/branches
GET                 /repos/:owner/:repo/branches/:branch
GET PUT DELETE      /repos/:owner/:repo/branches/:branch/protection
POST                /repos/:owner/:repo/branches/:branch/rename
GET                 /repos/:owner/:repo/collaborators
GET PUT DELETE      /repos/:owner/:repo/collaborators/:username
GET                 /repos/:owner/:repo/collaborators/:username/permission
GET                 /repos/:owner/:repo/comments
GET PATCH DELETE    /repos/:owner/:repo/comments/:comment_id
GET                 /repos/:owner/:repo/commits
GET                 /repos/:owner/:repo/commits/:ref
GET POST            /repos/:owner/:repo/commits/:ref/comments
GET                 /repos/:owner/:repo/commits/:ref/status
GET                 /repos/:owner/:repo/commits/:ref/statuses
GET                 /repos/:owner/:repo/commits/:ref/check-runs
GET                 /repos/:owner/:repo/commits/:ref/pulls
GET                 /repos/:owner/:repo/compare/:basehead
GET PUT DELETE      /repos/:owner/:repo/contents/:path+
GET                 /repos/:owner/:repo/contributors
GET POST            /repos/:owner/:repo/deployments
GET DELETE          /repos/:owner/:repo/deployments/:deployment_id
GET POST            /repos/:owner/:repo/deployments/:deployment_id/statuses
POST                /repos/:owner/:repo/dispatches
GET                 /repos/:owner/:repo/events
GET POST            /repos/:owner/:repo/forks
POST                /repos/:owner/:repo/git/blobs
GET                 /repos/:owner/:repo/git/blobs/:file_sha
POST                /repos/:owner/:repo/git/commits
GET                 /repos/:owner/:repo/git/commits/:commit_sha
POST                /repos/:owner/:repo/git/refs
GET PATCH DELETE    /repos/:owner/:repo/git/refs/:ref+
POST                /repos/:owner/:repo/git/tags
GET                 /repos/:owner/:repo/git/tags/:tag_sha
POST                /repos/:owner/:repo/git/trees
GET                 /repos/:owner/:repo/git/trees/:tree_sha
GET POST            /repos/:owner/:repo/hooks
GET PATCH DELETE    /repos/:owner/:repo/hooks/:hook_id
POST                /repos/:owner/:repo/hooks/:hook_id/pings
POST                /repos/:owner/:repo/hooks/:hook_id/tests
GET                 /repos/:owner/:repo/hooks/:hook_id/deliveries
GET                 /repos/:owner/:repo/hooks/:hook_id/deliveries/:delivery_id
GET                 /repos/:owner/:repo/issues/comments
GET PATCH DELETE    /repos/:owner/:repo/issues/comments/:comment_id
GET POST            /repos/:owner/:repo/issues/comments/:comment_id/reactions
GET                 /repos/:owner/:repo/issues/events
GET                 /repos/:owner/:repo/issues/events/:event_id
GET POST            /repos/:owner/:repo/issues
GET PATCH           /repos/:owner/:repo/issues/:issue_number
GET POST            /repos/:owner/:repo/issues/:issue_number/comments
GET                 /repos/:owner/:repo/issues/:issue_number/events
GET POST PUT DELETE /repos/:owner/:repo/issues/:issue_number/labels
DELETE              /repos/:owner/:repo/issues/:issue_number/labels/:name
PUT DELETE          /repos/:owner/:repo/issues/:issue_number/lock
POST DELETE         /repos/:owner/:repo/issues/:issue_number/assignees
GET                 /repos/:owner/:repo/issues/:issue_number/timeline
GET POST            /repos/:owner/:repo/issues/:issue_number/reactions
GET POST            /repos/:owner/:repo/labels
GET PATCH DELETE    /repos/:owner/:repo/labels/:name
GET                 /repos/:owner/:repo/languages
POST                /repos/:owner/:repo/merges
GET POST            /repos/:owner/:repo/milestones
GET PATCH DELETE    /repos/:owner/:repo/milestones/:milestone_number
GET                 /repos/:owner/:repo/milestones/:milestone_number/labels
GET PUT             /repos/:owner/:repo/notifications
GET POST PUT DELETE /repos/:owner/:repo/pages
GET POST            /repos/:owner/:repo/pages/builds
GET                 /repos/:owner/:repo/pages/builds/latest
GET                 /repos/:owner/:repo/pages/builds/:build_id
GET                 /repos/:owner/:repo/pulls/comments
GET PATCH DELETE    /repos/:owner/:repo/pulls/comments/:comment_id
GET POST            /repos/:owner/:repo/pulls
GET PATCH           /repos/:owner/:repo/pulls/:pull_number
GET POST            /repos/:owner/:repo/pulls/:pull_number/comments
GET                 /repos/:owner/:repo/pulls/:pull_number/commits
GET                 /repos/:owner/:repo/pulls/:pull_number/files
GET PUT             /repos/:owner/:repo/pulls/:pull_number/merge
GET POST DELETE     /repos/:owner/:repo/pulls/:pull_number/requested_reviewers
GET POST            /repos/:owner/:repo/pulls/:pull_number/reviews
GET PUT DELETE      /repos/:owner/:repo/pulls/:pull_number/reviews/:review_id
GET                 /repos/:owner/:repo/pulls/:pull_number/reviews/:review_id/comments
PUT                 /repos/:owner/:repo/pulls/:pull_number/reviews/:review_id/dismissals
POST                /repos/:owner/:repo/pulls/:pull_number/reviews/:review_id/events
PUT                 /repos/:owner/:repo/pulls/:pull_number/update-branch
GET                 /repos/:owner/:repo/readme
GET                 /repos/:owner/:repo/releases/latest
GET                 /repos/:owner/:repo/releases/tags/:tag
GET PATCH DELETE    /repos/:owner/:repo/releases/assets/:asset_id
GET POST            /repos/:owner/:repo/releases
GET PATCH DELETE    /repos/:owner/:repo/releases/:release_id
GET POST            /repos/:owner/:repo/releases/:release_id/assets
GET                 /repos/:owner/:repo/stargazers
GET                 /repos/:owner/:repo/stats/contributors
GET                 /repos/:owner/:repo/stats/commit_activity
GET                 /repos/:owner/:repo/stats/code_frequency
GET                 /repos/:owner/:repo/stats/participation
GET                 /repos/:owner/:repo/stats/punch_card
POST                /repos/:owner/:repo/statuses/:sha
GET                 /repos/:owner/:repo/subscribers
GET PUT DELETE      /repos/:owner/:repo/subscription
GET                 /repos/:owner/:repo/tags
GET                 /repos/:owner/:repo/tarball/:ref
GET                 /repos/:owner/:repo/zipball/:ref
GET                 /repos/:owner/:repo/teams
GET PUT             /repos/:owner/:repo/topics
POST                /repos/:owner/:repo/transfer
GET PUT DELETE      /repos/:owner/:repo/vulnerability-alerts
GET                 /repos/:owner/:repo/traffic/clones
GET                 /repos/:owner/:repo/traffic/views
GET                 /repos/:owner/:repo/traffic/popular/paths
GET                 /repos/:owner/:repo/traffic/popular/referrers
GET                 /repos/:owner/:repo/actions/artifacts
GET DELETE          /repos/:owner/:repo/actions/artifacts/:artifact_id
GET                 /repos/:owner/:repo/actions/artifacts/:artifact_id/:archive_format
GET                 /repos/:owner/:repo/actions/jobs/:job_id
GET                 /repos/:owner/:repo/actions/jobs/:job_id/logs
GET                 /repos/:owner/:repo/actions/runs
GET DELETE          /repos/:owner/:repo/actions/runs/:run_id
POST                /repos/:owner/:repo/actions/runs/:run_id/cancel
POST                /repos/:owner/:repo/actions/runs/:run_id/rerun
GET                 /repos/:owner/:repo/actions/runs/:run_id/jobs
GET DELETE          /repos/:owner/:repo/actions/runs/:run_id/logs
GET                 /repos/:owner/:repo/actions/runs/:run_id/artifacts
GET                 /repos/:owner/:repo/actions/workflows
GET                 /repos/:owner/:repo/actions/workflows/:workflow_id
PUT                 /repos/:owner/:repo/actions/workflows/:workflow_id/disable
PUT                 /repos/:owner/:repo/actions/workflows/:workflow_id/enable
POST                /repos/:owner/:repo/actions/workflows/:workflow_id/dispatches
GET                 /repos/:owner/:repo/actions/workflows/:workflow_id/runs
GET                 /repos/:owner/:repo/actions/secrets
GET PUT DELETE      /repos/:owner/:repo/actions/secrets/:secret_name
POST                /repos/:owner/:repo/check-runs
GET PATCH           /repos/:owner/:repo/check-runs/:check_run_id
GET                 /repos/:owner/:repo/check-runs/:check_run_id/annotations
POST                /repos/:owner/:repo/check-suites
GET                 /repos/:owner/:repo/check-suites/:check_suite_id
GET                 /repos/:owner/:repo/check-suites/:check_suite_id/check-runs
POST                /repos/:owner/:repo/check-suites/:check_suite_id/rerequest
GET                 /repos/:owner/:repo/code-scanning/alerts
GET PATCH           /repos/:owner/:repo/code-scanning/alerts/:alert_number
GET                 /repos/:owner/:repo/dependabot/alerts
GET PATCH           /repos/:owner/:repo/dependabot/alerts/:alert_number
GET POST            /repos/:owner/:repo/keys
GET DELETE          /repos/:owner/:repo/keys/:key_id
GET                 /repos/:owner/:repo/invitations
PATCH DELETE        /repos/:owner/:repo/invitations/:invitation_id
GET POST            /repos/:owner/:repo/projects
GET                 /repos/:owner/:repo/license
GET                 /repos/:owner/:repo/community/profile
GET POST            /repos/:owner/:repo/autolinks
GET DELETE          /repos/:owner/:repo/autolinks/:autolink_id
GET POST            /gists
GET                 /gists/public
GET                 /gists/starred
GET PATCH DELETE    /gists/:gist_id
GET POST            /gists/:gist_id/comments
GET PATCH DELETE    /gists/:gist_id/comments/:comment_id
GET                 /gists/:gist_id/commits
GET POST            /gists/:gist_id/forks
GET PUT DELETE      /gists/:gist_id/star
GET                 /gists/:gist_id/:sha
GET PUT             /notifications
GET PATCH DELETE    /notifications/threads/:thread_id
GET PUT DELETE      /notifications/threads/:thread_id/subscription
GET                 /search/code
GET                 /search/commits
GET                 /search/issues
GET                 /search/labels
GET                 /search/repositories
GET                 /search/topics
GET                 /search/users
GET                 /emojis
GET                 /events
GET                 /feeds
GET                 /meta
GET                 /rate_limit
GET                 /octocat
GET                 /zen
GET                 /licenses
GET                 /licenses/:license
GET                 /gitignore/templates
GET                 /gitignore/templates/:name
POST                /markdown
POST                /markdown/raw
GET                 /app
GET                 /app/installations
GET DELETE          /app/installations/:installation_id
POST                /app/installations/:installation_id/access_tokens
GET                 /installation/repositories
GET PATCH DELETE    /projects/:project_id
GET POST            /projects/:project_id/columns
GET PATCH DELETE    /projects/columns/:column_id
GET POST            /projects/columns/:column_id/cards
GET PATCH DELETE    /projects/columns/cards/:card_id
GET PATCH DELETE    /teams/:team_id
"""

STRIPE = """
GET                 /v1/balance
GET                 /v1/balance_transactions
GET                 /v1/balance_transactions/:id
GET POST            /v1/charges
GET                 /v1/charges/search
GET POST            /v1/charges/:charge
POST                /v1/charges/:charge/capture
GET POST            /v1/charges/:charge/refunds
GET POST            /v1/charges/:charge/refunds/:refund
GET POST            /v1/customers
GET                 /v1/customers/search
GET POST DELETE     /v1/customers/:customer
GET POST            /v1/customers/:customer/balance_transactions
GET POST            /v1/customers/:customer/balance_transactions/:transaction
GET POST            /v1/customers/:customer/sources
GET POST DELETE     /v1/customers/:customer/sources/:id
POST                /v1/customers/:customer/sources/:id/verify
GET POST            /v1/customers/:customer/tax_ids
GET DELETE          /v1/customers/:customer/tax_ids/:id
GET                 /v1/customers/:customer/payment_methods
GET                 /v1/customers/:customer/payment_methods/:payment_method
GET DELETE          /v1/customers/:customer/discount
POST                /v1/customers/:customer/funding_instructions
GET                 /v1/disputes
GET POST            /v1/disputes/:dispute
POST                /v1/disputes/:dispute/close
GET                 /v1/events
GET                 /v1/events/:id
GET POST            /v1/files
GET                 /v1/files/:file
GET POST            /v1/file_links
GET POST            /v1/file_links/:link
GET POST            /v1/payment_intents
GET                 /v1/payment_intents/search
GET POST            /v1/payment_intents/:intent
POST                /v1/payment_intents/:intent/apply_customer_balance
POST                /v1/payment_intents/:intent/cancel
POST                /v1/payment_intents/:intent/capture
POST                /v1/payment_intents/:intent/confirm
POST                /v1/payment_intents/:intent/increment_authorization
POST                /v1/payment_intents/:intent/verify_microdeposits
GET POST            /v1/setup_intents
GET POST            /v1/setup_intents/:intent
POST                /v1/setup_intents/:intent/cancel
POST                /v1/setup_intents/:intent/confirm
GET POST            /v1/payment_methods
GET POST            /v1/payment_methods/:payment_method
POST                /v1/payment_methods/:payment_method/attach
POST                /v1/payment_methods/:payment_method/detach
GET POST            /v1/payouts
GET POST            /v1/payouts/:payout
POST                /v1/payouts/:payout/cancel
POST                /v1/payouts/:payout/reverse
GET POST            /v1/refunds
GET POST            /v1/refunds/:refund
POST                /v1/refunds/:refund/cancel
POST                /v1/tokens
GET                 /v1/tokens/:token
GET POST            /v1/products
GET                 /v1/products/search
GET POST DELETE     /v1/products/:id
GET POST            /v1/prices
GET                 /v1/prices/search
GET POST            /v1/prices/:price
GET POST            /v1/coupons
GET POST DELETE     /v1/coupons/:coupon
GET POST            /v1/promotion_codes
GET POST            /v1/promotion_codes/:promotion_code
GET POST            /v1/invoices
GET                 /v1/invoices/search
GET                 /v1/invoices/upcoming
GET                 /v1/invoices/upcoming/lines
GET POST DELETE     /v1/invoices/:invoice
POST                /v1/invoices/:invoice/finalize
GET                 /v1/invoices/:invoice/lines
POST                /v1/invoices/:invoice/mark_uncollectible
POST                /v1/invoices/:invoice/pay
POST                /v1/invoices/:invoice/send
POST                /v1/invoices/:invoice/void
GET POST            /v1/invoiceitems
GET POST DELETE     /v1/invoiceitems/:invoiceitem
GET POST            /v1/subscriptions
GET                 /v1/subscriptions/search
GET POST DELETE     /v1/subscriptions/:subscription_exposed_id
DELETE              /v1/subscriptions/:subscription_exposed_id/discount
POST                /v1/subscriptions/:subscription_exposed_id/resume
GET POST            /v1/subscription_items
GET POST DELETE     /v1/subscription_items/:item
GET POST            /v1/subscription_items/:item/usage_records
GET                 /v1/subscription_items/:item/usage_record_summaries
GET POST            /v1/subscription_schedules
GET POST            /v1/subscription_schedules/:schedule
POST                /v1/subscription_schedules/:schedule/cancel
POST                /v1/subscription_schedules/:schedule/release
GET POST            /v1/tax_rates
GET POST            /v1/tax_rates/:tax_rate
GET POST            /v1/accounts
GET POST DELETE     /v1/accounts/:account
POST                /v1/accounts/:account/reject
GET POST            /v1/accounts/:account/external_accounts
GET POST DELETE     /v1/accounts/:account/external_accounts/:id
GET POST            /v1/accounts/:account/persons
GET POST DELETE     /v1/accounts/:account/persons/:person
POST                /v1/accounts/:account/login_links
GET                 /v1/accounts/:account/capabilities
GET POST            /v1/accounts/:account/capabilities/:capability
POST                /v1/account_links
GET                 /v1/application_fees
GET                 /v1/application_fees/:id
GET POST            /v1/application_fees/:id/refunds
GET POST            /v1/application_fees/:id/refunds/:refund
GET POST            /v1/transfers
GET POST            /v1/transfers/:transfer
GET POST            /v1/transfers/:transfer/reversals
GET POST            /v1/transfers/:transfer/reversals/:id
GET POST            /v1/topups
GET POST            /v1/topups/:topup
POST                /v1/topups/:topup/cancel
GET POST            /v1/checkout/sessions
GET                 /v1/checkout/sessions/:session
POST                /v1/checkout/sessions/:session/expire
GET                 /v1/checkout/sessions/:session/line_items
GET POST            /v1/payment_links
GET POST            /v1/payment_links/:payment_link
GET                 /v1/payment_links/:payment_link/line_items
GET POST            /v1/webhook_endpoints
GET POST DELETE     /v1/webhook_endpoints/:webhook_endpoint
GET POST            /v1/billing_portal/configurations
GET POST            /v1/billing_portal/configurations/:configuration
POST                /v1/billing_portal/sessions
GET                 /v1/radar/early_fraud_warnings
GET                 /v1/radar/early_fraud_warnings/:early_fraud_warning
GET POST            /v1/radar/value_lists
GET POST DELETE     /v1/radar/value_lists/:value_list
GET POST            /v1/issuing/cards
GET POST            /v1/issuing/cards/:card
GET POST            /v1/issuing/cardholders
GET POST            /v1/issuing/cardholders/:cardholder
GET                 /v1/issuing/transactions
GET POST            /v1/issuing/transactions/:transaction
GET                 /v1/reporting/report_types
GET                 /v1/reporting/report_types/:report_type
GET POST            /v1/reporting/report_runs
GET                 /v1/reporting/report_runs/:report_run
GET POST            /v1/terminal/readers
GET POST DELETE     /v1/terminal/readers/:reader
POST                /v1/terminal/readers/:reader/process_payment_intent
POST                /v1/terminal/connection_tokens
GET                 /v1/mandates/:mandate
GET POST            /v1/quotes
GET POST            /v1/quotes/:quote
POST                /v1/quotes/:quote/accept
POST                /v1/quotes/:quote/finalize
GET                 /v1/quotes/:quote/line_items
"""

SLACK = """
POST /api/chat.postMessage
POST /api/chat.update
POST /api/chat.delete
POST /api/chat.postEphemeral
POST /api/chat.scheduleMessage
GET  /api/chat.getPermalink
GET  /api/conversations.list
GET  /api/conversations.history
GET  /api/conversations.info
GET  /api/conversations.members
GET  /api/conversations.replies
POST /api/conversations.create
POST /api/conversations.archive
POST /api/conversations.invite
POST /api/conversations.join
POST /api/conversations.kick
POST /api/conversations.leave
POST /api/conversations.mark
POST /api/conversations.rename
POST /api/conversations.setPurpose
POST /api/conversations.setTopic
POST /api/conversations.open
POST /api/conversations.close
GET  /api/users.list
GET  /api/users.info
GET  /api/users.lookupByEmail
GET  /api/users.getPresence
POST /api/users.setPresence
GET  /api/users.profile.get
POST /api/users.profile.set
GET  /api/users.conversations
POST /api/reactions.add
GET  /api/reactions.get
GET  /api/reactions.list
POST /api/reactions.remove
POST /api/pins.add
GET  /api/pins.list
POST /api/pins.remove
GET  /api/files.list
GET  /api/files.info
POST /api/files.upload
POST /api/files.delete
POST /api/files.getUploadURLExternal
POST /api/files.completeUploadExternal
GET  /api/team.info
GET  /api/team.accessLogs
GET  /api/emoji.list
GET  /api/auth.test
POST /api/auth.revoke
POST /api/oauth.v2.access
GET  /api/bots.info
GET  /api/usergroups.list
POST /api/usergroups.create
POST /api/usergroups.update
GET  /api/usergroups.users.list
POST /api/usergroups.users.update
POST /api/views.open
POST /api/views.publish
POST /api/views.push
POST /api/views.update
POST /api/reminders.add
GET  /api/reminders.list
POST /api/reminders.complete
POST /api/reminders.delete
GET  /api/search.messages
GET  /api/search.files
GET  /api/search.all
POST /api/dnd.setSnooze
POST /api/dnd.endSnooze
GET  /api/dnd.info
GET  /api/bookmarks.list
POST /api/bookmarks.add
POST /api/bookmarks.edit
POST /api/bookmarks.remove
POST /api/apps.connections.open
GET  /api/apps.event.authorizations.list
POST /api/workflows.stepCompleted
"""

# Realistic values for the params the tables use; other names get a number.
VALUES = {
    "owner": "octocat",
    "repo": "hello-world",
    "username": "monalisa",
    "target_user": "hubot",
    "org": "github",
    "team_slug": "justice-league",
    "ref": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    "sha": "aa218f56b14c9653891f9e74264a383fa43fefbd",
    "file_sha": "3a0f86fb8db8eea7ccbb9a95f325ddbedfb25e15",
    "commit_sha": "7638417db6d59f3c431d3e1f261cc637155684cd",
    "tag_sha": "940bd336248efae0f9ee5bc7b2d5c985887b16ac",
    "tree_sha": "9fb037999f264ba9a7fc6274d15fa3ae2ab98312",
    "basehead": "main...feature",
    "branch": "main",
    "tag": "v1.0.0",
    "name": "bug",
    "license": "mit",
    "secret_name": "NPM_TOKEN",
    "archive_format": "zip",
    "assignee": "octocat",
    "path+": "docs/guide/README.md",
    "ref+": "heads/feature-a",
    "customer": "cus_NffrFeUfNV2Hib",
    "charge": "ch_3MmlLrLkdIwHu7ix0snN0B15",
    "intent": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
    "invoice": "in_1MtHbELkdIwHu7ixl4OzzPMv",
    "price": "price_1MoBy5LkdIwHu7ixZhnattbh",
    "subscription_exposed_id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
    "account": "acct_1032D82eZvKYlo2C",
}


@dataclass(frozen=True)
class Route:
    template: str  # path-to-regexp syntax, as the tables write it
    methods: tuple[str, ...]


def parse(text: str, root: str = "") -> list[Route]:
    out = []
    for line in text.strip().splitlines():
        *methods, path = line.split()
        out.append(Route(root + path if path != "/" or not root else root, tuple(methods)))
    return out


ALL_ROUTES = parse(GITHUB) + parse(GITHUB, "/api/v3") + parse(STRIPE) + parse(SLACK)


def table(n: int) -> list[Route]:
    """Whole paths from every API, in a fixed shuffled order, until there are n routes.

    The paths keep the order they are written in (it decides between a literal and a
    param at the same place), whichever of them are taken.
    """
    order = list(range(len(ALL_ROUTES)))
    random.Random(2024).shuffle(order)
    taken: set[int] = set()
    count = 0
    for i in order:
        if count >= n:
            break
        taken.add(i)
        count += len(ALL_ROUTES[i].methods)
    routes = [ALL_ROUTES[i] for i in sorted(taken)]
    if count > n:  # drop the extra methods of the last path taken
        last = max(taken, key=order.index)
        keep = len(ALL_ROUTES[last].methods) - (count - n)
        routes = [
            Route(r.template, r.methods[:keep]) if r is ALL_ROUTES[last] else r for r in routes
        ]
    return routes


def concrete(template: str) -> str:
    def value(m: re.Match[str]) -> str:
        name = m[1] + m[2]
        return VALUES.get(name, VALUES.get(m[1], str(1000 + len(m[1]) * 37)))

    return re.sub(r":(\w+)(\+?)", value, template)


MISS_PROBES = ["/favicon.ico", "/robots.txt", "/wp-login.php", "/.env", "/api/v3", "/v1"]


def requests(routes: list[Route], seed: int) -> list[tuple[str, str]]:
    """A hit on every route with every method, and about 10% misses (404 and 405)."""
    rng = random.Random(seed)
    hits = [(concrete(r.template), m) for r in routes for m in r.methods]
    misses: list[tuple[str, str]] = []
    while len(misses) < max(1, len(hits) // 9):
        path, method = rng.choice(hits)
        kind = rng.randrange(6)
        if kind == 0:  # 405: a method the path does not have
            method = rng.choice(["GET", "POST", "PUT", "PATCH", "DELETE"])
        elif kind == 1:
            path = path.rstrip("/") + "/extra"
        elif kind == 2:
            path = path.rsplit("/", 1)[0] or "/"
        elif kind == 3:
            path = path + "s"
        elif kind == 4:
            path = path.replace("/", "/x", 1)
        else:
            path = rng.choice(MISS_PROBES)
        misses.append((path, method))
    out = hits + misses
    rng.shuffle(out)
    return out


# --- the answer every router must give (SPEC 3, every route tried in order) --------------

Answer = tuple[Any, ...]  # ("hit", template, params) | ("405", methods) | ("404",)


def expected_answers(routes: list[Route], reqs: list[tuple[str, str]]) -> list[Answer]:
    compiled = [(r, compile_path(r.template)) for r in routes]
    out: list[Answer] = []
    for path, method in reqs:
        matching = [(r, c.match(normalize_path(path))) for r, c in compiled]
        matching = [(r, p) for r, p in matching if p is not None]
        hit = next(((r, p) for r, p in matching if method in r.methods), None)
        if hit is not None:
            out.append(("hit", hit[0].template, hit[1]))
        elif matching:
            out.append(("405", frozenset(m for r, _ in matching for m in r.methods)))
        else:
            out.append(("404",))
    return out


def unambiguous(routes: list[Route], reqs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The requests whose path one template at most matches.

    A path two templates match (``/releases/latest`` is also ``/releases/:release_id``)
    is where routers differ on purpose (Falcon routes by path alone, then 405s), so
    no request in the set is one.
    """
    compiled = [compile_path(r.template) for r in routes]
    return [
        (p, m)
        for p, m in reqs
        if sum(c.match(normalize_path(p)) is not None for c in compiled) <= 1
    ]


# --- the routers: build(routes) -> (lookup(path, method), explain(result) -> Answer) -------

Lookup = Callable[[str, str], Any]
Explain = Callable[[Any], Answer]


def handler(ctx: Any, request: Any) -> None:
    return None


def build_convexhttp(routes: list[Route], normalize: bool = True) -> tuple[Lookup, Explain]:
    """Our router as dispatch uses it: the raw path normalised, then matched.

    With ``normalize=False``, the match alone (the path given in normal form, as
    the peers get theirs already decoded by the server).
    """
    http = http_router()
    for r in routes:
        http.route(path=r.template, method=list(r.methods), handler=handler)
    http.match("/", "GET")  # builds the matcher, which takes the method's place (as in dispatch)
    match = http.match

    def lookup(path: str, method: str) -> Any:  # exactly as Dispatcher._serve does
        return match(normalize_path(path) if "%" in path or not path.isascii() else path, method)

    def lookup_normalized(path: str, method: str) -> Any:  # one call deep, as the others
        return match(path, method)

    def explain(found: Any) -> Answer:
        route, params, allowed = found
        if route is not None:
            return ("hit", route.path, params)
        return ("405", allowed) if allowed else ("404",)

    return (lookup if normalize else lookup_normalized), explain


def _converted(template: str, param: str, rest: str) -> str:
    """``template`` with ':name' as ``param`` and ':name+' as ``rest`` (format strings)."""
    return re.sub(r":(\w+)(\+?)", lambda m: (rest if m[2] else param).format(m[1]), template)


def build_werkzeug(routes: list[Route]) -> tuple[Lookup, Explain]:
    from werkzeug.exceptions import MethodNotAllowed, NotFound
    from werkzeug.routing import Map, Rule

    rules = [
        Rule(_converted(r.template, "<{}>", "<path:{}>"), endpoint=r.template, methods=r.methods)
        for r in routes
    ]
    adapter = Map(rules, strict_slashes=False, merge_slashes=False).bind("localhost")
    match = adapter.match

    def lookup(path: str, method: str) -> Any:
        try:
            return match(path, method)
        except MethodNotAllowed as e:
            return e
        except NotFound:
            return None

    def explain(found: Any) -> Answer:
        if found is None:
            return ("404",)
        if isinstance(found, MethodNotAllowed):
            return ("405", frozenset(found.valid_methods or ()) - {"HEAD", "OPTIONS"})
        endpoint, args = found
        return ("hit", endpoint, _lists(endpoint, args))

    return lookup, explain


def _lists(template: str, params: dict[str, Any]) -> dict[str, Any]:
    """Params as ours: a ':name+' value is its segments."""
    return {k: v.split("/") if f":{k}+" in template else v for k, v in params.items()}


def build_falcon(routes: list[Route]) -> tuple[Lookup, Explain] | None:
    try:
        from falcon.routing import CompiledRouter
    except ImportError:
        return None

    router = CompiledRouter()
    templates: dict[str, str] = {}
    resources: dict[str, object] = {}
    for r in routes:
        uri = _converted(r.template, "{{{}}}", "{{{}:path}}")
        templates[uri] = r.template

        def responder(req: Any, resp: Any, **params: Any) -> None: ...

        resource = type("Resource", (), {f"on_{m.lower()}": responder for m in r.methods})()
        resources[r.template] = resource
        router.add_route(uri, resource)
    find = router.find

    def lookup(path: str, method: str) -> Any:
        found = find(path)
        if found is None:
            return None
        return found, found[1].get(method)

    def explain(result: Any) -> Answer:
        if result is None:
            return ("404",)
        (resource, methods, params, uri), responder = result
        template = templates[uri]
        own = frozenset(m for m, f in methods.items() if getattr(f, "__self__", None) is resource)
        if getattr(responder, "__self__", None) is not resource:
            return ("405", own - {"HEAD", "OPTIONS"})
        return ("hit", template, _lists(template, params))

    return lookup, explain


def build_starlette(routes: list[Route]) -> tuple[Lookup, Explain] | None:
    try:
        from starlette.routing import Match
        from starlette.routing import Route as StarletteRoute
    except ImportError:
        return None

    async def endpoint(request: Any) -> None: ...

    table_ = [
        StarletteRoute(
            _converted(r.template, "{{{}}}", "{{{}:path}}"),
            endpoint,
            methods=list(r.methods),
            name=r.template,
        )
        for r in routes
    ]

    def lookup(path: str, method: str) -> Any:
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        partial = []
        for route in table_:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return route, child
            if match is Match.PARTIAL:
                partial.append(route)
        return partial

    def explain(found: Any) -> Answer:
        if isinstance(found, list):
            if not found:
                return ("404",)
            return ("405", frozenset(m for r in found for m in r.methods) - {"HEAD"})
        route, child = found
        return ("hit", route.name, _lists(route.name, child["path_params"]))

    return lookup, explain


def build_django(routes: list[Route]) -> tuple[Lookup, Explain] | None:
    try:
        import django
        from django.conf import settings
    except ImportError:
        return None
    if not settings.configured:
        settings.configure(DEBUG=False, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"])
        django.setup()
    from django.urls import Resolver404, URLResolver, path
    from django.urls.resolvers import RegexPattern

    def view(request: Any, **params: Any) -> None: ...

    patterns = [
        path(_converted(r.template, "<{}>", "<path:{}>")[1:], view, name=r.template) for r in routes
    ]
    resolve = URLResolver(RegexPattern(r"^/"), patterns).resolve

    def lookup(path_: str, method: str) -> Any:
        try:
            return resolve(path_)
        except Resolver404:
            return None

    def explain(found: Any) -> Answer:
        if found is None:
            return ("404",)
        return ("path", found.url_name, _lists(found.url_name, found.kwargs))

    return lookup, explain


OURS = "convexhttp"
ROUTERS: dict[str, Callable[[list[Route]], tuple[Lookup, Explain] | None]] = {
    OURS: build_convexhttp,
    "convexhttp match": lambda routes: build_convexhttp(routes, normalize=False),
    "falcon": build_falcon,
    "werkzeug": build_werkzeug,
    "django": build_django,
    "starlette": build_starlette,
}


def cross_check(
    name: str, lookup: Lookup, explain: Explain, reqs: list[tuple[str, str]], expected: list[Answer]
) -> None:
    for (path, method), want in zip(reqs, expected, strict=True):
        got = explain(lookup(path, method))
        if got[0] == "path":  # Django: the route of the path, whatever the method
            want = (
                ("404",)
                if want[0] == "404"
                else ("path", want[1], want[2])
                if want[0] == "hit"
                else None
            )
            if want is None:
                continue  # a 405: Django leaves methods to the view
        if got != want:
            raise AssertionError(f"{name}: {method} {path}: got {got}, want {want}")


# --- timing -----------------------------------------------------------------------------


Requests = Sequence[tuple[str, str]]


def run_rounds(
    jobs: dict[str, tuple[Lookup, Requests]], rounds: int, seconds: float
) -> dict[str, list[float]]:
    """Seconds per lookup for every job in every round; the order rotates each round.

    Each job repeats its requests for about ``seconds`` per round (the slow ones
    fewer times), so a round is short and the jobs see the same machine.
    """

    def once(lookup: Lookup, reqs: Requests, reps: int) -> float:
        start = time.perf_counter()
        for _ in range(reps):
            for path, method in reqs:
                lookup(path, method)
        return time.perf_counter() - start

    reps = {name: max(1, int(seconds / max(once(*job, 1), 1e-9))) for name, job in jobs.items()}
    names = list(jobs)
    out: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            lookup, reqs = jobs[name]
            out[name].append(once(lookup, reqs, reps[name]) / (reps[name] * len(reqs)))
    return out


def build_times(routes: list[Route], rounds: int) -> dict[str, float]:
    """Median seconds to build each router from the table and answer one request."""
    builders = {name: build for name, build in ROUTERS.items() if name != "convexhttp match"}
    first = concrete(routes[0].template), routes[0].methods[0]
    out: dict[str, list[float]] = {}
    for r in range(rounds):
        names = list(builders)
        for name in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            built = builders[name](routes)
            if built is None:
                continue
            built[0](*first)  # routers that compile on the first lookup do it here
            out.setdefault(name, []).append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in out.items()}


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}"


# --- instructions: what callgrind counts, the same whatever else the machine does -----


def count_run(name: str, n: int, passes: int) -> None:
    """Build router ``name`` for the table of ``n`` routes, answer every request once
    (as the timing does first), then ``passes`` more times: under callgrind, the
    difference from ``passes=0`` is the lookups' instructions."""
    routes = table(n)
    reqs = unambiguous(routes, requests(routes, seed=n))
    built = ROUTERS[name](routes)
    assert built is not None
    lookup = built[0]
    for path, method in reqs:
        lookup(path, method)
    for _ in range(passes):
        for path, method in reqs:
            lookup(path, method)


# Passes over the requests under callgrind: the slow routers' counts dwarf the start-up's
# noise in fewer (and starlette at N=1000 takes minutes a pass there).
SLOW_PASSES = {"werkzeug": 4, "django": 2, "starlette": 1}


def instructions(sizes: list[int], passes: int) -> dict[tuple[int, str], float]:
    """Instructions per lookup of every router at every size (two callgrind runs each)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.callgrind import count_all, require_valgrind

    require_valgrind()
    available = [name for name in ROUTERS if ROUTERS[name]([]) is not None]
    passes_of = {name: SLOW_PASSES.get(name, passes) for name in available}
    jobs = [(n, name, reps) for n in sizes for name in available for reps in (0, passes_of[name])]
    runs = count_all([[__file__, "--count", name, str(n), str(reps)] for n, name, reps in jobs])
    counts = dict(zip(jobs, runs, strict=True))
    per_lookup: dict[tuple[int, str], float] = {}
    for n in sizes:
        lookups = len(unambiguous(table(n), requests(table(n), seed=n)))
        for name in available:
            reps = passes_of[name]
            per_lookup[n, name] = (counts[n, name, reps] - counts[n, name, 0]) / (reps * lookups)
    return per_lookup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--sizes", default="10,100,1000", help="table sizes, in routes")
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per lookup under callgrind instead of timing (slow)",
    )
    parser.add_argument(
        "--count", nargs=3, metavar=("ROUTER", "N", "PASSES"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.count:
        count_run(args.count[0], int(args.count[1]), int(args.count[2]))
        return 0
    rounds, seconds = (5, 0.02) if args.quick else (args.rounds, 0.1)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.instructions:
        per_lookup = instructions(sizes, passes=20)
        print("instructions per lookup (callgrind: 20 passes over the requests, fewer for")
        print(f"the slow peers {SLOW_PASSES}, less a run with none)")
        print(f"  {'router':<18}" + "".join(f"{f'N={n}':>12}" for n in sizes))
        for name in ROUTERS:
            if (sizes[0], name) in per_lookup:
                row = "".join(f"{per_lookup[n, name]:>12,.0f}" for n in sizes)
                print(f"  {name:<18}{row}")
        print("\nthe peer's instructions per lookup over ours: above 1, ours does less")
        print(f"  {'router':<18}" + "".join(f"{f'N={n}':>24}" for n in sizes))
        for name in ROUTERS:
            if name.startswith(OURS) or (sizes[0], name) not in per_lookup:
                continue
            against = "".join(
                f"{per_lookup[n, name] / per_lookup[n, OURS]:>10.2f}x"
                f" ({per_lookup[n, name] / per_lookup[n, 'convexhttp match']:.2f}x match)"
                for n in sizes
            )
            print(f"  {name:<18}{against}")
        smallest, largest = sizes[0], sizes[-1]
        print(
            f"\nconvexhttp per lookup, N={largest} / N={smallest}: "
            f"{per_lookup[largest, OURS] / per_lookup[smallest, OURS]:.2f}x (target <= 1.5x)"
        )
        return 0

    ours_by_size: dict[str, tuple[Lookup, Requests]] = {}
    print(f"{len(ALL_ROUTES)} paths, {sum(len(r.methods) for r in ALL_ROUTES)} routes in all")
    print(
        f"{rounds} interleaved rounds. 'convexhttp' is the normal-form check + match, as dispatch"
    )
    print("routes a raw path; 'convexhttp match' is the match alone, on a path in normal form")
    print("(the peers get theirs decoded by the server). x = the peer's time per lookup over")
    print("ours, the median of the per-round ratios (min-max): above 1, ours is faster.\n")
    for n in sizes:
        routes = table(n)
        reqs = unambiguous(routes, requests(routes, seed=n))
        expected = expected_answers(routes, reqs)
        jobs: dict[str, tuple[Lookup, Requests]] = {}
        for name, build in ROUTERS.items():
            built = build(routes)
            if built is None:
                continue
            cross_check(name, *built, reqs, expected)
            jobs[name] = built[0], reqs
        ours_by_size[f"N={n}"] = jobs[OURS]
        times = run_rounds(jobs, rounds, seconds)
        misses = sum(a[0] != "hit" for a in expected)
        print(
            f"N={n}: {sum(len(r.methods) for r in routes)} routes on {len(routes)} paths, "
            f"{len(reqs)} requests ({misses} misses), every answer cross-checked"
        )
        print(f"  {'router':<18}{'ns/lookup':>10}  {'vs convexhttp':<22}vs convexhttp match")
        for name, values in times.items():
            cells = []
            for ours in (OURS, "convexhttp match"):
                if name.startswith(OURS):
                    cells.append("")
                    continue
                ratios = [p / o for p, o in zip(values, times[ours], strict=True)]
                cells.append(f"{statistics.median(ratios):.2f}x ({spread(ratios)})")
            ns = statistics.median(values) * 1e9
            print(f"  {name:<18}{ns:>10,.0f}  {cells[0]:<22}{cells[1]}")
        print()
    if len(sizes) > 1:  # timed in the same rounds, so the machine's load cancels out
        first, last = f"N={sizes[0]}", f"N={sizes[-1]}"
        times = run_rounds({first: ours_by_size[first], last: ours_by_size[last]}, rounds, seconds)
        ratios = [b / a for a, b in zip(times[first], times[last], strict=True)]
        print(
            f"convexhttp per lookup, {last} / {first}: {statistics.median(ratios):.2f}x "
            f"({spread(ratios)}; target <= 1.5x)"
        )
    biggest = table(max(sizes))
    built = build_times(biggest, max(3, rounds // 3))
    print(f"\nbuilding {sum(len(r.methods) for r in biggest)} routes and answering one request:")
    for name, value in built.items():
        print(f"  {name:<18}{value * 1e3:>9.1f} ms  ({value / built[OURS]:.2f}x ours)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
