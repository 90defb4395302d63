from convexhttp import cron_jobs, internal

crons = cron_jobs()
crons.interval("tick every second", {"seconds": 1}, internal.jobs.tick)
