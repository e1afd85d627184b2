// Help texts of the `swaplab` command (docs/cli.md has the long form with examples).

export const USAGE = `Usage: swaplab <command> [options]

Commands
  run        run an experiment: a config file, a preset, or flags (swaplab help run)
  list       list recorded runs       [--experiment ID] [--status S] [--design D] [--workload W] [--json]
  show ID    one run in detail        [--json]
  compare    runs side by side with deltas against a baseline
             [IDS... | --experiment ID] [--baseline ID] [--metrics a,b | --all] [--json]
  export     [IDS... | --experiment ID] --format csv|json [--out FILE] [--force] [--per-trial]
             csv: FILE gets the summary, FILE-samples.csv the samples; without --out the summary goes to stdout;
             --per-trial: one summary row per run instead of per design variant and sweep point;
             never over the database or an SQLite file; over an existing file only with --force
  import     FILE   add the runs of a JSON export (e.g. from another machine)
  delete     IDS... | --experiment ID
  presets    list the shipped presets and what each shows
  calibrate  fit the cost model to measured kernel runs: --runs FILE --out PROFILE (swaplab help calibrate)
  kernels    list|fetch|remove the kernels kernel runs boot (swaplab help kernels)
  fidelity   the fidelity set on real kernels and their paired designs, and its report
             [--kernels host,debian-6.12,...] [--quick] [--report] [--json] [--markdown FILE] (swaplab help fidelity)
  serve      serve the lab to a browser on this machine (swaplab serve --help)

Every command takes --db FILE (default: SWAPLAB_DB, else swaplab.db in the user's data folder).
Without run ids, compare and export use the most recent experiment.

Exit codes: 0 all runs done, 1 a run failed / was cancelled or interrupted (or an unexpected
error), 2 bad input (the message names the field), 130/143 stopped by SIGINT/SIGTERM.
`

export const RUN_USAGE = `Usage: swaplab run [--config FILE | --preset NAME] [options]

The config file or preset is the base; options override it. Values take units where they
are sizes (64MiB, 1GiB) and plain numbers otherwise.

Experiment
  --name TEXT
  --design NAME[:opt=value,...]   repeatable: legacy, mthp-6.10, cluster, swap-table, vswap, kernel
  --design kernel:image=host      the workload on this machine's kernel (needs root)
  --design kernel:image=debian-6.12[,accel=auto|kvm|tcg]   a Debian kernel in QEMU (fetched on first use)
  --design kernel:image=/path/to/bzImage[,modules=DIR]     your own kernel in QEMU
                                  kernel runs: usemem and thp-swap-allocator-test, one file device
  --phase N                       swap-table phase 1..4 (applies to the swap-table designs)
  --discontiguous-swapout, --mthp-swapin          swap-table options
  --descriptor-bytes 24|48|64, --zswap-pool-bytes SIZE   vswap options
  --workload NAME                 usemem, fill, thp-swap-allocator-test, kbuild, redis-bgsave, trace
  --<parameter> VALUE             any parameter of the workload, e.g. --tasks 4 --size-bytes 64MiB
                                  --passes 2 --random (see swaplab presets / docs/cli.md)
  --param KEY=VALUE               the same, by the parameter's own name
  --memory-limit SIZE             memory cgroup limit (must be below what the workload touches)
  --device-size SIZE, --device-preset zram|pmem|nvme|ssd|hdd, --discard
  --storage file|metadata-only, --metadata-only
  --device-dir DIR                folder for the device files (default: SWAPLAB_DEVICE_DIR or the temp folder)
  --cpus N, --seed N, --trials N, --thp-orders 0,4, --page-cluster N
  --sample-interval-ns N, --tick-ns N, --check-invariants, --fsync-per-batch
  --cost-profile default|host|FILE  the cost model of simulated times (host: fitted by calibration)
  --sensitivity                   rerun each design with each cost group x0.5 and x2; compare says
                                  whether each difference is robust or depends on the cost model
  --sensitivity-groups a,b        device, paths, metadata, lock, compression (default: all but compression)
  --sensitivity-factors 0.5,2     the factors (default 0.5,2)
  --sweep PATH=V1,V2,...          repeatable; e.g. --sweep workload.params.tasks=1,2,4
  --sweep-mode grid|list          grid: every combination (default); list: the i-th values together
  --set PATH=VALUE                any config field by its path, e.g. --set devices.1.preset=zram

Output
  --db FILE      the run database
  --json         print the runs and their summaries as JSON on stdout
  --quiet        no progress on stderr (a bar on a terminal, plain lines otherwise)
`
