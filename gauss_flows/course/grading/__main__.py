from gauss_flows.course.grading.grade import main

if __name__ == "__main__":
    raise SystemExit(main())
