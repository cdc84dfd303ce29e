# Reference values for package sampling, computed with R's survey package.
#
# Regenerate (needs R with the survey and jsonlite packages; on Debian:
# apt-get install r-base-core r-cran-survey r-cran-jsonlite), from this folder:
#
#   Rscript survey_oracle.R
#
# It writes the three data sets the Go tests read (apistrat.csv, apiclus1.csv,
# apipop.csv: the California Academic Performance Index samples and population
# that ship with survey, only the columns the tests use) and oracle.json, the
# estimates the Go code must reproduce to 1e-6 relative. The Go tests never run R.
suppressMessages(library(survey))
library(jsonlite)
data(api)

write.csv(apistrat[, c("snum", "stype", "pw", "fpc", "api00", "api99", "enroll", "sch.wide", "awards")],
          "apistrat.csv", row.names = FALSE)
write.csv(apiclus1[, c("snum", "dnum", "stype", "pw", "fpc", "api00", "api99", "enroll", "sch.wide", "avg.ed")],
          "apiclus1.csv", row.names = FALSE)
write.csv(apipop[, c("snum", "stype", "api00")], "apipop.csv", row.names = FALSE)

est <- function(s) {
  out <- list(value = unname(coef(s)[1]), se = unname(SE(s)[1]))
  d <- attr(s, "deff")
  if (!is.null(d)) out$deff <- unname(diag(as.matrix(d))[1])
  out
}
byest <- function(b) {
  lapply(split(b, seq_len(nrow(b))), function(r) list(level = as.character(r[[1]]), value = r[[2]], se = r[[3]]))
}

o <- list()

# Stratified simple random sample (by school type), with and without the
# finite population correction.
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dstrat_nofpc <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat)
o$strat_mean_api00 <- est(svymean(~api00, dstrat, deff = TRUE))
o$strat_total_enroll <- est(svytotal(~enroll, dstrat, deff = TRUE))
o$strat_nofpc_mean_api00 <- est(svymean(~api00, dstrat_nofpc, deff = TRUE))
o$strat_nofpc_total_enroll <- est(svytotal(~enroll, dstrat_nofpc, deff = TRUE))
o$strat_ratio_api00_api99 <- list(value = unname(coef(svyratio(~api00, ~api99, dstrat))[1]),
                                  se = unname(SE(svyratio(~api00, ~api99, dstrat))[1]))
o$strat_prop_schwide_yes <- list(value = unname(coef(svymean(~sch.wide, dstrat))[2]),
                                 se = unname(SE(svymean(~sch.wide, dstrat))[2]))
o$strat_domain_mean_api00_by_awards <- byest(svyby(~api00, ~awards, dstrat, svymean))
o$strat_domain_total_enroll_by_awards <- byest(svyby(~enroll, ~awards, dstrat, svytotal))

# One-stage cluster sample of school districts.
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
o$clus_mean_api00 <- est(svymean(~api00, dclus1, deff = TRUE))
o$clus_total_enroll <- est(svytotal(~enroll, dclus1, deff = TRUE))

# Post-stratified to the known school-type counts.
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
dclus1p <- postStratify(dclus1, ~stype, pop_types)
o$post_mean_api00 <- est(svymean(~api00, dclus1p))
o$post_total_enroll <- est(svytotal(~enroll, dclus1p))

# Raked on school type and on whether the school met its school-wide target,
# run to convergence (R's default stops after a change below 1 in a weighted count).
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dclus1r <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide),
                control = list(maxit = 1000, epsilon = 1e-13))
o$rake_mean_api00 <- est(svymean(~api00, dclus1r))
o$rake_total_enroll <- est(svytotal(~enroll, dclus1r))
o$rake_weights <- unname(weights(dclus1r))

# The same with rake()'s default stopping rule (no cell of the joint table of
# stype x sch.wide moving by 1 or more, at most 10 sweeps), which
# RakeOptions.LikeR reproduces.
dclus1rd <- rake(dclus1, list(~stype, ~sch.wide), list(pop_types, pop_schwide))
o$rake_default_mean_api00 <- est(svymean(~api00, dclus1rd))
o$rake_default_total_enroll <- est(svytotal(~enroll, dclus1rd))
o$rake_default_weights <- unname(weights(dclus1rd))

# Trimming the raked weights to at most 36 (strict: until none is above),
# with the excess spread evenly over the others as survey's trimWeights does.
o$trim_upper <- 36
o$trim_weights <- unname(weights(trimWeights(dclus1r, upper = 36, strict = TRUE)))

# Neyman allocation of n = 200 across school types from the population's
# standard deviations of api00: n_h = n * N_h S_h / sum(N_k S_k).
Nh <- as.vector(table(apipop$stype))
Sh <- as.vector(tapply(apipop$api00, apipop$stype, sd))
o$neyman <- list(strata = levels(apipop$stype), N = Nh, S = Sh, n = 200, alloc = 200 * Nh * Sh / sum(Nh * Sh))

# Design effects beyond plain means and totals: a domain (subset), a ratio,
# and the post-stratified and raked designs, all on the cluster sample.
delem <- subset(dclus1, stype == "E")
o$deff_domain_mean_api00_E <- est(svymean(~api00, delem, deff = TRUE))
o$deff_domain_total_enroll_E <- est(svytotal(~enroll, delem, deff = TRUE))
rr <- svyratio(~api00, ~api99, dclus1, deff = TRUE)
o$deff_ratio_api00_api99 <- list(value = unname(coef(rr))[1], se = unname(SE(rr))[1],
                                 deff = unname(as.numeric(deff(rr)))[1])
o$deff_post_mean_api00 <- est(svymean(~api00, dclus1p, deff = TRUE))
o$deff_post_total_enroll <- est(svytotal(~enroll, dclus1p, deff = TRUE))
o$deff_rake_mean_api00 <- est(svymean(~api00, dclus1r, deff = TRUE))

# Several variables at once, with the covariance matrix of the estimates.
vc <- function(s) list(value = unname(coef(s)), vcov = unname(as.vector(vcov(s))))
o$strat_means_api00_api99 <- vc(svymean(~api00 + api99, dstrat))
o$clus_totals_api00_enroll <- vc(svytotal(~api00 + enroll, dclus1))
o$rake_means_api00_api99 <- vc(svymean(~api00 + api99, dclus1r))

# Weight summaries and, per stratum, the sample, its estimated population,
# mean and variance (svyvar within each stratum) that feed an allocation.
w <- weights(dstrat)
o$weights_strat <- list(n = length(w), sum = sum(w), min = min(w), max = max(w), mean = mean(w), cv = sd(w) / mean(w))
vs <- svyby(~api00, ~stype, dstrat, svyvar)
ms <- svyby(~api00, ~stype, dstrat, svymean)
o$strata_api00 <- list(levels = as.character(vs$stype), n = as.vector(table(apistrat$stype)),
                       population = as.vector(tapply(w, apistrat$stype, sum)),
                       mean = unname(coef(ms)), var = unname(coef(vs)))

# By-domain tables on the cluster sample: means (avg.ed has 26 missing
# values, dropped with na.rm as MissingDrop does), totals and ratios, with
# design effects.
bytab <- function(b) {
  ci <- confint(b)
  d <- tryCatch(unname(deff(b)), error = function(e) rep(NA, nrow(b)))
  list(levels = as.character(b[[1]]), value = unname(coef(b)), se = unname(SE(b)),
       low = unname(ci[, 1]), high = unname(ci[, 2]), deff = d)
}
o$by_mean_avged <- bytab(svyby(~avg.ed, ~stype, dclus1, svymean, na.rm = TRUE, deff = TRUE))
o$by_total_enroll <- bytab(svyby(~enroll, ~stype, dclus1, svytotal, deff = TRUE))
o$by_ratio_api00_api99 <- bytab(svyby(~api00, ~stype, dclus1, svyratio, denominator = ~api99, deff = TRUE))

# Designs built as a statistician writes them, from the data's own columns:
# weights derived from the fpc (given as counts, or as sampling fractions),
# and a one-stage cluster design with no weights column.
o$survey_strat_fpconly_mean_api00 <- est(svymean(~api00, svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat), deff = TRUE))
dd <- apistrat
dd$frac <- ave(rep(1, nrow(dd)), dd$stype, FUN = sum) / dd$fpc
o$survey_strat_fraction_total_enroll <- est(svytotal(~enroll, svydesign(id = ~1, strata = ~stype, fpc = ~frac, data = dd), deff = TRUE))
o$survey_clus_fpconly_mean_api00 <- est(svymean(~api00, svydesign(id = ~dnum, fpc = ~fpc, data = apiclus1), deff = TRUE))

# Replicate weights: the delete-one jackknife of the cluster sample (JK1)
# and the stratified jackknife (JKn), finite population corrections
# included, replicates' variance centred on their mean (mse = FALSE) and,
# for JK1, on the full-sample estimate (mse = TRUE).
rclus1 <- as.svrepdesign(dclus1, type = "JK1")
o$jk1_mean_api00 <- est(svymean(~api00, rclus1))
o$jk1_total_enroll <- est(svytotal(~enroll, rclus1))
o$jk1_mse_mean_api00 <- est(svymean(~api00, as.svrepdesign(dclus1, type = "JK1", mse = TRUE)))
rstrat <- as.svrepdesign(dstrat, type = "JKn")
o$jkn_mean_api00 <- est(svymean(~api00, rstrat))
o$jkn_total_enroll <- est(svytotal(~enroll, rstrat))

# Probability-proportional-to-size sampling without replacement: the 40
# counties of election_pps, their inclusion probabilities p, and the
# Hartley-Rao variance with P2Bar estimated from the sample (HR()) and given
# from the population (sum(election$p^2)/40).
data(election)
write.csv(election_pps[, c("County", "p", "Bush", "Kerry")], "election_pps.csv", row.names = FALSE)
dhr <- svydesign(id = ~1, fpc = ~p, data = election_pps, pps = HR())
o$hr_totals_bush_kerry <- vc(svytotal(~Bush + Kerry, dhr))
o$hr_mean_bush <- est(svymean(~Bush, dhr))
o$hr_p2bar <- sum(election$p^2) / 40
o$hr_given_total_bush <- est(svytotal(~Bush, svydesign(id = ~1, fpc = ~p, data = election_pps, pps = HR(sum(election$p^2) / 40))))

# A two-stage cluster sample: districts, then schools within them, with
# both stages' population counts (apiclus2).
write.csv(apiclus2[, c("dnum", "snum", "fpc1", "fpc2", "api00")], "apiclus2.csv", row.names = FALSE)
dclus2 <- svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
o$clus2_mean_api00 <- est(svymean(~api00, dclus2))
o$clus2_total_api00 <- est(svytotal(~api00, dclus2))

# Balanced repeated replication and Fay's method on scd (two ambulances in
# each of three service areas).
data(scd)
write.csv(scd, "scd.csv", row.names = FALSE)
dscd <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
rbrr <- as.svrepdesign(dscd, type = "BRR")
o$brr_total_arrests <- est(svytotal(~arrests, rbrr))
o$brr_mean_arrests <- est(svymean(~arrests, rbrr))
o$brr_weights <- unname(as.vector(as.matrix(weights(rbrr, "analysis"))))
rfay <- as.svrepdesign(dscd, type = "Fay", fay.rho = 0.3)
o$fay_mean_arrests <- est(svymean(~arrests, rfay))
o$fay_total_alive <- est(svytotal(~alive, rfay))

# A bootstrap's published replicate weights (20 replicates of R's own
# draws, set.seed(15)), to check estimation from given replicate weights.
set.seed(15)
rboot <- as.svrepdesign(dstrat_nofpc, type = "bootstrap", replicates = 20)
o$boot_repweights <- unname(as.vector(as.matrix(weights(rboot, "analysis"))))
o$boot_scale <- rboot$scale
o$boot_rscales <- unname(rboot$rscales)
o$boot_mean_api00 <- est(svymean(~api00, rboot))

writeLines(toJSON(o, digits = NA, auto_unbox = TRUE, pretty = TRUE), "oracle.json")
cat("R", R.version$major, R.version$minor, "survey", as.character(packageVersion("survey")), "\n",
    file = "oracle.versions.txt")
