from semjscc.cli import main

raise SystemExit(main())
