# Reference logistic regression for package calibrate, computed with R's glm.
#
# Regenerate (needs R with jsonlite; on Debian: apt-get install r-base-core
# r-cran-jsonlite), from this folder:
#
#   Rscript glm_oracle.R
#
# It simulates a data set (seeded, so it is the same every time), writes it to
# logit.csv, fits glm(y ~ x1 + x2 + x3 + x4, family = binomial) and writes the
# coefficients, standard errors, deviance and AIC to glm.json. The Go tests
# read both and never run R.
library(jsonlite)
set.seed(20261125)
n <- 400
x1 <- rnorm(n)
x2 <- rnorm(n)
x3 <- runif(n, -1, 1)
x4 <- rbinom(n, 1, 0.3)
eta <- -0.5 + 1.2 * x1 - 0.7 * x2 + 0.3 * x3 + 0.8 * x4
y <- rbinom(n, 1, plogis(eta))
d <- data.frame(y = y, x1 = x1, x2 = x2, x3 = x3, x4 = x4)
write.csv(format(d, digits = 17), "logit.csv", row.names = FALSE, quote = FALSE)
fit <- glm(y ~ x1 + x2 + x3 + x4, family = binomial, data = d)
s <- summary(fit)$coefficients
out <- list(
  names = rownames(s),
  coef = unname(s[, 1]),
  se = unname(s[, 2]),
  deviance = fit$deviance,
  aic = fit$aic
)
writeLines(toJSON(out, digits = NA, pretty = TRUE), "glm.json")
cat("R", R.version$major, R.version$minor, "\n", file = "glm.versions.txt")
