# affects: all
# message: importing your file raised SystemExit
raise SystemExit(0)
