# Issue 15's yardstick in R survey: a million units in 50 strata, the
# stratified mean with its SE (fpc), raking on three margins, the raked mean
# with its SE; timed step by step. The data is written by the Go test:
#
#   go test ./sampling -run TestPipeline1MAgainstR -write-pipeline /tmp/p
#   cd sampling/testdata && Rscript pipeline_1m.R /tmp/p
#
# It writes pipeline_1m.json (the estimates the Go test compares with, and
# R's timings). The CSV files are not committed: the Go test makes the same
# data from a fixed seed.
suppressMessages(library(survey))
library(jsonlite)
dir <- commandArgs(trailingOnly = TRUE)[1]
d <- read.csv(file.path(dir, "pipeline_1m.csv"), stringsAsFactors = FALSE)
m1 <- read.csv(file.path(dir, "pipeline_1m_m1.csv")); names(m1) <- c("stratum", "Freq")
m2 <- read.csv(file.path(dir, "pipeline_1m_m2.csv")); names(m2) <- c("m2", "Freq")
m3 <- read.csv(file.path(dir, "pipeline_1m_m3.csv")); names(m3) <- c("m3", "Freq")
d$m3 <- as.character(d$m3); m3$m3 <- as.character(m3$m3)
m3$m3 <- ifelse(m3$m3 == "TRUE", "true", ifelse(m3$m3 == "FALSE", "false", m3$m3))
d$m3 <- ifelse(d$m3 == "TRUE", "true", ifelse(d$m3 == "FALSE", "false", d$m3))
t <- list()
t$design <- system.time(des <- svydesign(id = ~1, strata = ~stratum, fpc = ~N, data = d))[["elapsed"]]
t$mean <- system.time(m <- svymean(~y, des))[["elapsed"]]
t$rake <- system.time(r <- rake(des, list(~stratum, ~m2, ~m3), list(m1, m2, m3),
                                control = list(maxit = 100, epsilon = 1e-10)))[["elapsed"]]
t$raked_mean <- system.time(rm <- svymean(~y, r))[["elapsed"]]
o <- list(mean = list(value = unname(coef(m)), se = as.numeric(SE(m))),
          raked = list(value = unname(coef(rm)), se = as.numeric(SE(rm))),
          seconds = t, versions = paste("R", R.version$major, R.version$minor, "survey", packageVersion("survey")))
writeLines(toJSON(o, digits = NA, auto_unbox = TRUE, pretty = TRUE), "pipeline_1m.json")
print(o)
