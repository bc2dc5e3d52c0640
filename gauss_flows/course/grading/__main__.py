from gauss_flows.course.grading.grade import main

raise SystemExit(main())
